"""A persistent cache of generators exported for OpenVINO (ONNX bytes), under ``$ANIMEGAN_CACHE/runtime``.

An entry is keyed by a hash of the weights (every tensor's name, dtype, shape and bytes), the generator's config
and the torch, OpenVINO and animegan versions, so a change of any of them never reuses an old entry. One entry
serves every image size (the export has dynamic height and width: no size buckets, nothing padded) and every
float precision (OpenVINO picks the precision when it compiles); ``--precision int8`` keeps its quantized model
beside it (``<key>.int8``, see ``int8``), keyed further by NNCF's version, the calibration and the CPU. A missing, unwritable or read-only cache folder means
no cache, never an error; a corrupt entry is dropped by the caller (``forget``) and written anew;
``ANIMEGAN_RUNTIME_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from animegan.atomic import atomic_path
from animegan.weights.released import cache_root

DISABLE_ENV = "ANIMEGAN_RUNTIME_CACHE"
SUBDIR = "runtime"
COMPILED_SUBDIR = "openvino"  # OpenVINO's CACHE_DIR, inside the runtime folder
FORMAT = 1  # bump when the export changes what a cached file holds
ONNX_SUFFIX = ".onnx"  # an entry holding a generator's ONNX export

if TYPE_CHECKING:
    from torch import nn


def weights_key(generator: nn.Module, versions: dict[str, str]) -> str:
    """Hex key of ``generator``'s weights and config with ``versions`` (library name -> version)."""
    import torch  # deferred: the warm start reads this cache without PyTorch (see ``warm_start``)

    digest = hashlib.blake2b(digest_size=20)
    config = generator.config() if hasattr(generator, "config") else type(generator).__qualname__
    header = {"format": FORMAT, "config": config, "versions": versions, "class": type(generator).__qualname__}
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    for name, tensor in generator.state_dict().items():
        tensor = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


class RuntimeCache:
    """Bytes by key in one folder; every failure to read or write is a miss, never an error."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else cache_root() / SUBDIR
        self.enabled = os.environ.get(DISABLE_ENV, "1").strip().lower() not in ("0", "off", "false", "no")

    def path(self, key: str, suffix: str = ONNX_SUFFIX) -> Path:
        return self.folder / f"{key}{suffix}"

    def compiled_dir(self) -> Path | None:
        """The folder for OpenVINO's own blobs of compiled int8 models (``CACHE_DIR``), None when off."""
        return self.folder / COMPILED_SUBDIR if self.enabled else None

    def load(self, key: str, suffix: str = ONNX_SUFFIX) -> bytes | None:
        """The entry's bytes, or None (absent, unreadable, empty, or the cache is off)."""
        if not self.enabled:
            return None
        try:
            data = self.path(key, suffix).read_bytes()
        except OSError:
            return None
        return data or None

    def store(self, key: str, data: bytes, suffix: str = ONNX_SUFFIX) -> bool:
        """Write the entry (temporary name, then rename); False where the folder cannot be written."""
        if not self.enabled:
            return False
        try:
            with atomic_path(self.path(key, suffix)) as tmp:
                tmp.write_bytes(data)
        except OSError:
            return False
        return True

    def forget(self, key: str, suffix: str = ONNX_SUFFIX) -> None:
        """Remove a bad entry (if we may)."""
        try:
            self.path(key, suffix).unlink(missing_ok=True)
        except OSError:
            pass
