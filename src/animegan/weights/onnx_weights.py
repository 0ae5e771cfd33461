"""The weights of an ONNX file that holds a v1/v2 generator (``animegan export`` writes such files).

Initializers carry our state-dict names; the generator config (upsampling mode, norm epsilon) comes from the
file's ``animegan.*`` metadata, which ``animegan export`` records. AnimeGANv3 ONNX models have no PyTorch
architecture here: they run as they are (``--weights X.onnx``) and are refused for conversion.
"""

from __future__ import annotations

from pathlib import Path

import torch

from animegan.errors import WeightsError
from animegan.weights.formats import META, ONNX_INSTALL_HINT, config_from_metadata, detect_arch, onnx_family


def read_onnx(path: str | Path):
    """The parsed ONNX model of ``path`` (an ``onnx.ModelProto``); one line if it is not one."""
    try:
        import onnx
    except ImportError:
        raise WeightsError(f"reading ONNX weights needs the onnx package: {ONNX_INSTALL_HINT}") from None
    try:
        return onnx.load(str(path))
    except Exception as exc:  # noqa: BLE001 - protobuf decode errors have several types
        raise WeightsError(f"{path}: not an ONNX model ({str(exc).splitlines()[0][:120]})") from None


def check_onnx(path: str | Path) -> None:
    """Refuse, with one line, a file that is not a well-formed ONNX model (a damaged download)."""
    import onnx

    try:
        onnx.checker.check_model(read_onnx(path))
    except onnx.checker.ValidationError as exc:
        raise WeightsError(f"{path}: not a usable ONNX model ({str(exc).splitlines()[0][:120]})") from None


def state_from_onnx(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """(state dict, config with ``arch``) of a v1/v2 generator stored as ONNX."""
    from onnx import numpy_helper

    path = Path(path)
    model = read_onnx(path)
    if onnx_family([i.name for i in model.graph.input] + [o.name for o in model.graph.output]) == "v3":
        raise WeightsError(
            f"{path}: an AnimeGANv3 model, which has no PyTorch architecture here to convert into; "
            "use it as it is with --weights"
        )
    state = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
    metadata = {p.key: p.value for p in model.metadata_props if p.key.startswith(META)}
    arch = detect_arch(state, origin=str(path), expected=metadata.get(META + "arch"))
    return state, {"arch": arch, **config_from_metadata(metadata, arch, str(path))}
