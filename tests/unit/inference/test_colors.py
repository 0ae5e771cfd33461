"""Colour keeping and strength on a real cat photo stylized by a generator with fabricated (random) weights.

Chroma is measured with scikit-image's BT.601 YCbCr (independent of the OpenCV conversion used to keep it).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.color import rgb2ycbcr

from animegan.inference.colors import ColorAdjust
from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV2


@pytest.fixture(scope="module")
def cat() -> np.ndarray:
    from skimage import data

    return data.chelsea()  # 300 x 451 RGB


@pytest.fixture(scope="module")
def stylized(cat: np.ndarray) -> np.ndarray:
    torch.manual_seed(0)  # fabricated weights: random init, not a trained model
    return Stylizer(GeneratorV2(), device="cpu", precision="fp32")(cat)


def chroma_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(rgb2ycbcr(a)[..., 1:] - rgb2ycbcr(b)[..., 1:]).mean())


def luma_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(rgb2ycbcr(a)[..., 0] - rgb2ycbcr(b)[..., 0]).mean())


def mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float64) - b).mean())


def test_keep_colors_takes_the_photos_chroma_and_the_stylized_luma(cat, stylized) -> None:
    kept = ColorAdjust(keep_colors=True)(cat, stylized)
    plain = chroma_error(stylized, cat)
    assert kept.shape == cat.shape and kept.dtype == np.uint8
    assert chroma_error(kept, cat) <= 4
    assert chroma_error(kept, cat) < plain / 3, (chroma_error(kept, cat), plain)
    assert luma_error(kept, stylized) < 1.0  # the style (luma) is the stylization's
    assert luma_error(kept, stylized) < luma_error(cat, stylized) / 10


def test_strength_blends_photo_and_stylization(cat, stylized) -> None:
    assert mae(ColorAdjust(strength=0.0)(cat, stylized), cat) <= 1.5
    assert np.array_equal(ColorAdjust(strength=1.0)(cat, stylized), stylized)
    half = ColorAdjust(strength=0.3)(cat, stylized)
    expected = 0.7 * cat.astype(np.float64) + 0.3 * stylized
    assert np.abs(half - expected).max() <= 0.5 + 1e-6  # rounded once
    both = ColorAdjust(strength=0.5, keep_colors=True)(cat, stylized)
    assert chroma_error(both, cat) <= 4 and 0 < mae(both, cat) < mae(stylized, cat)


def test_identity_and_bad_values() -> None:
    assert ColorAdjust().is_identity and not ColorAdjust(keep_colors=True).is_identity
    assert not ColorAdjust(strength=0.5).is_identity
    for bad in (-0.1, 1.01, float("nan")):
        with pytest.raises(ValueError, match="expected a number from 0"):
            ColorAdjust(strength=bad)
    with pytest.raises(ValueError, match="differ in shape"):
        ColorAdjust(keep_colors=True)(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5, 3), np.uint8))
