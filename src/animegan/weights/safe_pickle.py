"""Read the pickled dict inside the original Caffe ``vgg19.npy`` without running arbitrary code."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from animegan.errors import WeightsError

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),
    ("builtins", "dict"),
    ("builtins", "list"),
}


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only numpy arrays are allowed")
        return super().find_class(module, name)


def load_npy_dict(path: str | Path) -> dict[str, Any]:
    """Load a ``.npy`` file holding a pickled dict of arrays (Caffe-converted VGG weights), numpy objects only."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            _shape, _fortran, dtype = read_header(f)
            if dtype.hasobject:
                value = _NumpyOnlyUnpickler(f, encoding="latin1").load()
                value = value.item() if isinstance(value, np.ndarray) and value.shape == () else value
            else:
                raise WeightsError(
                    f"{path}: expected a .npy holding a dict of layer weights, found a plain array"
                )
    except WeightsError:
        raise
    except pickle.UnpicklingError as exc:
        raise WeightsError(f"{path}: refused, the file would run code when unpickled ({exc})") from None
    except (OSError, ValueError, EOFError) as exc:
        raise WeightsError(f"{path}: not a readable .npy file ({exc})") from None
    if not isinstance(value, dict):
        raise WeightsError(f"{path}: expected a dict of layer weights, found {type(value).__name__}")
    return value
