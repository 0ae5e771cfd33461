"""Opt-in int8 (``--precision int8``): the OpenVINO model quantized after training by NNCF (``nncf.quantize``:
int8 weights and activations, VNNI dot products), the layers it leaves in float run in bf16 where the CPU has it.

Calibration is a handful of scikit-image's bundled photos (no download) at ``CALIBRATION_SIDE``. The quantized
model passes the same check as every OpenVINO build (``openvino_runtime.agrees``: at least ``MIN_PSNR_DB``
against PyTorch fp32) or is not used: the bf16, then fp32 build takes its place. Quantizing costs 5-14 s on the
2-core development CPU, so a quantized model that passed the check is kept in the runtime cache as OpenVINO IR
(``<key>.int8``: ``entry_key`` adds NNCF's version, the calibration and the CPU to the weights' key) and later
processes only read and compile it (``benchmarks/bench_stylize.py --int8`` prints its PSNR, set-up and speed).
It is never the default.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import tempfile
from pathlib import Path

import numpy as np

from animegan.errors import AnimeGANError

CALIBRATION_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry")
CALIBRATION_SIDE = 256
INSTALL_HINT = "pip install 'animegan[int8]' (nncf)"
PRESET = "mixed"  # nncf.QuantizationPreset.MIXED: symmetric weights, asymmetric activations
SUFFIX = ".int8"  # the cache entry: OpenVINO IR (xml, then its weights) after an 8-byte length of the xml
FORMAT = 1  # bump when what an entry holds changes


def available() -> bool:
    """True when NNCF can be imported."""
    return importlib.util.find_spec("nncf") is not None


def require() -> None:
    """One line when ``--precision int8`` cannot be honoured for lack of NNCF."""
    if not available():
        raise AnimeGANError(f"--precision int8 needs NNCF, which is not installed: {INSTALL_HINT}")


def calibration_inputs(side: int = CALIBRATION_SIDE) -> list[np.ndarray]:
    """The calibration photos as float32 1x3xSxS arrays in [-1, 1], the generator's input."""
    from skimage import data
    from skimage.transform import resize

    inputs = []
    for name in CALIBRATION_PHOTOS:
        rgb = getattr(data, name)()
        rgb = (resize(rgb, (side, side), anti_aliasing=True) * 255).round().astype(np.float32)
        inputs.append(np.ascontiguousarray(rgb.transpose(2, 0, 1)[None] / 127.5 - 1, dtype=np.float32))
    return inputs


def quantize(model):
    """The OpenVINO ``model`` quantized to int8 by NNCF on the calibration photos."""
    import nncf

    dataset = nncf.Dataset(calibration_inputs())
    return nncf.quantize(
        model, dataset, subset_size=len(CALIBRATION_PHOTOS), preset=nncf.QuantizationPreset(PRESET)
    )


def entry_key(weights_key: str, cpu: str) -> str:
    """The cache key of the quantized model of the generator with ``weights_key`` (weights, config, torch,
    OpenVINO and animegan versions) on ``cpu``: NNCF's version and the calibration settings are added, since
    each changes the quantized model."""
    header = {
        "format": FORMAT,
        "weights": weights_key,
        "nncf": importlib.metadata.version("nncf"),  # not ``import nncf``: a second or more of imports
        "cpu": cpu,
        "calibration": [CALIBRATION_PHOTOS, CALIBRATION_SIDE, PRESET],
    }
    return hashlib.blake2b(json.dumps(header, sort_keys=True).encode(), digest_size=20).hexdigest()


def to_bytes(model) -> bytes:
    """An OpenVINO model as one cache entry: its IR (xml and weights, uncompressed)."""
    import openvino as ov  # deferred: optional dependency

    with tempfile.TemporaryDirectory() as folder:
        xml = Path(folder) / "model.xml"
        ov.save_model(model, xml, compress_to_fp16=False)
        graph, weights = xml.read_bytes(), xml.with_suffix(".bin").read_bytes()
    return len(graph).to_bytes(8, "little") + graph + weights


def from_bytes(core, data: bytes):
    """The OpenVINO model of a cache entry written by ``to_bytes``; ValueError where the entry is cut short."""
    import openvino as ov  # deferred: optional dependency

    size = int.from_bytes(data[:8], "little")
    if len(data) < 8 or size <= 0 or size > len(data) - 8:
        raise ValueError("truncated int8 cache entry")
    weights = np.frombuffer(data, dtype=np.uint8, offset=8 + size)
    return core.read_model(data[8 : 8 + size], ov.Tensor(weights.copy()))
