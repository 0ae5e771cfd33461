"""The self-guided filter against the box-filter formula written with explicit windows, at the reference's
r = 2, eps = 0.01 (animegan-v3-reference.md section 1.4: radius 2, a 5 x 5 window)."""

from __future__ import annotations

import numpy as np
import torch

from animegan.nets.guided_filter import filter_tanh_output, guided_filter

REFERENCE_RADIUS, REFERENCE_EPS = 2, 0.01


def box_numpy(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over the (2r+1)^2 window truncated at the borders, by explicit loops."""
    h, w = x.shape[-2:]
    out = np.zeros_like(x)
    for i in range(h):
        for j in range(w):
            window = x[..., max(0, i - r) : i + r + 1, max(0, j - r) : j + r + 1]
            out[..., i, j] = window.mean(axis=(-2, -1))
    return out


def guided_numpy(i: np.ndarray, r: int, eps: float) -> np.ndarray:
    m = box_numpy(i, r)
    v = box_numpy(i * i, r) - m * m
    a = v / (v + eps)
    b = m - a * m
    return box_numpy(a, r) * i + box_numpy(b, r)


def test_default_filter_is_the_references_box_formula_per_channel() -> None:
    rng = np.random.default_rng(0)
    image = rng.random((2, 3, 9, 11))
    got = guided_filter(
        torch.from_numpy(image)
    ).numpy()  # the defaults: what the v3 generator and criterion use
    np.testing.assert_allclose(got, guided_numpy(image, REFERENCE_RADIUS, REFERENCE_EPS), atol=1e-12)
    for radius, eps in (
        (1, REFERENCE_EPS),
        (3, REFERENCE_EPS),
        (REFERENCE_RADIUS, 0.1),
        (REFERENCE_RADIUS, 1e-3),
    ):
        assert np.abs(got - guided_numpy(image, radius, eps)).max() > 1e-3  # the comparison pins r and eps
    # self-guided per channel: each channel depends on itself only
    changed = image.copy()
    changed[:, 1] = rng.random((2, 9, 11))
    other = guided_filter(torch.from_numpy(changed)).numpy()
    np.testing.assert_array_equal(other[:, [0, 2]], got[:, [0, 2]])


def test_constant_image_comes_back_unchanged_and_tanh_mapping() -> None:
    flat = torch.full((1, 3, 8, 8), 0.3, dtype=torch.float64)
    torch.testing.assert_close(guided_filter(flat), flat)
    tanh_image = torch.rand(1, 3, 12, 12, dtype=torch.float64) * 2 - 1
    unit = ((tanh_image.numpy() + 1) / 2).clip(0, 1)
    expected = (2 * guided_numpy(unit, REFERENCE_RADIUS, REFERENCE_EPS) - 1).clip(-1, 1)
    np.testing.assert_allclose(filter_tanh_output(tanh_image).numpy(), expected, atol=1e-12)
    assert torch.all(filter_tanh_output(torch.ones(1, 3, 8, 8)) == 1)
