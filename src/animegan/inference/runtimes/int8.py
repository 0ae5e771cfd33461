"""Opt-in int8 (``--precision int8``): the OpenVINO model quantized after training by NNCF (``nncf.quantize``:
int8 weights and activations, VNNI dot products), the layers it leaves in float run in bf16 where the CPU has it.

Calibration is a handful of scikit-image's bundled photos (no download) at ``CALIBRATION_SIDE``. The quantized
model passes the same check as every OpenVINO build (``openvino_runtime.agrees``: at least ``MIN_PSNR_DB``
against PyTorch fp32) or is not used: the bf16, then fp32 build takes its place. Quantizing costs a few seconds
per build, so it is never the default (``benchmarks/bench_stylize.py --int8`` prints its PSNR and speed).
"""

from __future__ import annotations

import importlib.util

import numpy as np

from animegan.errors import AnimeGANError

CALIBRATION_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry")
CALIBRATION_SIDE = 256
INSTALL_HINT = "pip install 'animegan[int8]' (nncf)"


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
        model, dataset, subset_size=len(CALIBRATION_PHOTOS), preset=nncf.QuantizationPreset.MIXED
    )
