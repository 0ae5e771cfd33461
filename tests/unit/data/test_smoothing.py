"""Edge smoothing: the vectorised path equals an independent transcription of the reference per-pixel loop."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from animegan.data.prepare.smoothing import edge_mask, edge_smooth, gaussian_truncated, integer_gaussian_taps


def reference_loop(bgr: np.ndarray, gray: np.ndarray, size: int) -> np.ndarray:
    """CartoonGAN/AnimeGAN ``edge_smooth.py``, step for step (one Python iteration per edge pixel)."""
    kernel_size = 5
    kernel = np.ones((kernel_size, kernel_size), np.uint8)
    gauss = cv2.getGaussianKernel(kernel_size, 0)
    gauss = gauss * gauss.transpose(1, 0)
    bgr_img = cv2.resize(bgr, (size, size))
    pad_img = np.pad(bgr_img, ((2, 2), (2, 2), (0, 0)), mode="reflect")
    gray_img = cv2.resize(gray, (size, size))
    edges = cv2.Canny(gray_img, 100, 200)
    dilation = cv2.dilate(edges, kernel)
    gauss_img = np.copy(bgr_img)
    idx = np.where(dilation != 0)
    for i in range(np.sum(dilation != 0)):
        for c in range(3):
            gauss_img[idx[0][i], idx[1][i], c] = np.sum(
                np.multiply(
                    pad_img[idx[0][i] : idx[0][i] + kernel_size, idx[1][i] : idx[1][i] + kernel_size, c],
                    gauss,
                )
            )
    return gauss_img


def blocky(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Flat random colour blocks (strong edges, flat areas where truncation would show) plus a little noise."""
    blocks = rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    image = np.repeat(np.repeat(blocks, 8, axis=0), 8, axis=1)[:height, :width]
    noise = rng.integers(-3, 4, image.shape)
    return np.clip(image.astype(int) + noise * (rng.random(image.shape[:2])[..., None] < 0.1), 0, 255).astype(
        np.uint8
    )


def as_bgr_and_gray(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    bgr = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)
    return bgr, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


@pytest.mark.parametrize(
    ("source", "size"), [("astronaut", 64), ("coffee", 72), ("blocky", 64), ("blocky_odd", 37)]
)
def test_vectorised_equals_reference_loop(source, size, astronaut, coffee, rng):
    images = {
        "astronaut": astronaut[100:260, 150:310],
        "coffee": coffee[::3, ::3],
        "blocky": blocky(rng, 64, 64),
        "blocky_odd": blocky(rng, 53, 90),
    }
    bgr, gray = as_bgr_and_gray(images[source])
    expected = reference_loop(bgr, gray, size)
    got = edge_smooth(bgr, gray, size)
    resized = cv2.resize(bgr, (size, size))
    assert got.dtype == np.uint8 and got.shape == (size, size, 3)
    assert (expected != resized).any(), "the test image must have edges that the smoothing changes"
    np.testing.assert_array_equal(got, expected)


def test_only_dilated_edge_pixels_change(astronaut):
    bgr, gray = as_bgr_and_gray(astronaut[::4, ::4])
    out = edge_smooth(bgr, gray, 128)
    mask = edge_mask(cv2.resize(gray, (128, 128)))
    assert 0 < mask.mean() < 1
    np.testing.assert_array_equal(out[~mask], cv2.resize(bgr, (128, 128))[~mask])


def test_gaussian_everywhere_matches_float_sum_truncated(rng):
    image = rng.integers(0, 256, (19, 23, 3), dtype=np.uint8)
    gauss = cv2.getGaussianKernel(5, 0) @ cv2.getGaussianKernel(5, 0).T
    padded = np.pad(image, ((2, 2), (2, 2), (0, 0)), mode="reflect").astype(np.float64)
    expected = np.zeros_like(image)
    for y in range(19):
        for x in range(23):
            expected[y, x] = np.einsum("ijc,ij->c", padded[y : y + 5, x : x + 5], gauss).astype(np.uint8)
    np.testing.assert_array_equal(gaussian_truncated(image), expected)


def test_flat_image_is_unchanged_by_the_gaussian():
    for value in (0, 1, 127, 254, 255):
        flat = np.full((12, 12, 3), value, np.uint8)
        np.testing.assert_array_equal(gaussian_truncated(flat), flat)


def test_integer_taps_reproduce_opencv_kernel():
    taps, scale = integer_gaussian_taps()
    np.testing.assert_array_equal(taps / scale, cv2.getGaussianKernel(5, 0).ravel())
