"""Moved to ``animegan.faces.paste``; this alias keeps ``from animegan.inference.face_paste import FacePaster``
(the import shown in earlier READMEs) working."""

import warnings

from animegan.faces.paste import (
    FacePaster,
    PastedFace,
    PasteOptions,
    StageTimes,
    feathered_ellipse,
    paste_face,
)

warnings.warn("animegan.inference.face_paste moved to animegan.faces.paste", DeprecationWarning, stacklevel=2)
__all__ = ["FacePaster", "PasteOptions", "PastedFace", "StageTimes", "feathered_ellipse", "paste_face"]
