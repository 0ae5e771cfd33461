"""The Hydra app hides only the library warnings that say nothing to its users."""

from __future__ import annotations

import warnings

from animegan.training.app import silence_known_noise


def test_known_library_noise_is_hidden_and_other_warnings_still_show() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        silence_known_noise()
        warnings.warn("Found 28 module(s) in eval mode at the start of training.", UserWarning, stacklevel=1)
        warnings.warn("`isinstance(treespec, LeafSpec)` is deprecated, use ...", FutureWarning, stacklevel=1)
        warnings.warn("Found no val photos", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["Found no val photos"]
