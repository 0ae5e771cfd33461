"""TF1 legacy bilinear resize against the formula TF1 uses (position i * in / out, no half-pixel shift)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from animegan.nets.resize import resize, upsample2x


def tf1_reference(row: np.ndarray, size: int) -> np.ndarray:
    """Independent 1-D TF1 resize_bilinear (align_corners=False, half_pixel_centers=False), float32 positions."""
    scale = np.float32(len(row) / size)
    out = np.empty(size, dtype=np.float64)
    for i in range(size):
        position = np.float32(i) * scale
        lo, hi = int(np.floor(position)), min(int(np.ceil(position)), len(row) - 1)
        out[i] = row[lo] + (row[hi] - row[lo]) * (position - np.floor(position))
    return out


def test_doubling_is_a_midpoint_b_b() -> None:
    x = torch.tensor([2.0, 6.0]).reshape(1, 1, 1, 2)
    assert upsample2x(x, "tf1").reshape(2, 4).tolist() == [[2.0, 4.0, 6.0, 6.0]] * 2


@pytest.mark.parametrize("length,size", [(5, 10), (7, 3), (8, 4), (6, 9), (9, 4), (4, 4)])
def test_tf1_resize_matches_the_tf1_formula(length: int, size: int) -> None:
    rng = np.random.default_rng(length * 31 + size)
    image = rng.normal(size=(length, length + 2)).astype(np.float32)
    ours = resize(torch.from_numpy(image)[None, None], (size, size + 1), "tf1")[0, 0].double().numpy()
    rows = np.stack([tf1_reference(r, size + 1) for r in image])
    expected = np.stack([tf1_reference(c, size) for c in rows.T]).T
    assert ours.shape == (size, size + 1)
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_other_modes_are_pytorchs() -> None:
    x = torch.rand(1, 2, 5, 7)
    for mode, corners in (("align_corners", True), ("half_pixel", False)):
        expected = torch.nn.functional.interpolate(x, size=(10, 14), mode="bilinear", align_corners=corners)
        assert torch.allclose(resize(x, (10, 14), mode), expected)
        assert torch.allclose(upsample2x(x, mode), expected)
    with pytest.raises(ValueError, match="upsampling mode"):
        resize(x, (10, 14), "bicubic")
