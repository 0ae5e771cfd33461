"""PSNR, luma PSNR and chroma error against an independent NumPy computation (BT.601 written out by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from animegan.eval import fidelity


def reference_ycrcb(rgb: np.ndarray) -> np.ndarray:
    """BT.601 as in ITU-R / OpenCV's documentation, on 0-255 floats (chroma offset 128)."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    return np.stack([y, (r - y) * 0.713 + 128.0, (b - y) * 0.564 + 128.0], axis=-1)


def reference_psnr(a: np.ndarray, b: np.ndarray) -> float:
    return 10 * np.log10(255.0**2 / np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))


@pytest.fixture
def pair() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    photo = rng.integers(0, 256, (24, 20, 3), dtype=np.uint8)
    noisy = np.clip(photo.astype(int) + rng.integers(-40, 41, photo.shape), 0, 255).astype(np.uint8)
    return photo, noisy


def test_figures_match_numpy(pair: tuple[np.ndarray, np.ndarray]) -> None:
    photo, other = pair
    ya, yb = reference_ycrcb(photo), reference_ycrcb(other)
    chroma = np.mean(np.sqrt(((ya[..., 1:] - yb[..., 1:]) ** 2).sum(-1)))
    luma = 10 * np.log10(255.0**2 / np.mean((ya[..., 0] - yb[..., 0]) ** 2))
    assert fidelity.psnr(photo, other) == pytest.approx(reference_psnr(photo, other), abs=1e-3)
    assert fidelity.luma_psnr(photo, other) == pytest.approx(luma, abs=1e-2)
    assert fidelity.chroma_error(photo, other) == pytest.approx(chroma, rel=2e-3)


def test_luma_only_change_has_no_chroma_error(pair: tuple[np.ndarray, np.ndarray]) -> None:
    photo = np.clip(pair[0], 30, 220)
    brighter = photo + np.uint8(25)  # the same shift on R, G and B changes Y only
    assert fidelity.chroma_error(photo, brighter) == pytest.approx(0.0, abs=1e-3)
    assert fidelity.luma_psnr(photo, brighter) == pytest.approx(reference_psnr(photo, brighter), abs=1e-2)
    assert fidelity.chroma_error(photo, photo[..., ::-1]) > 10  # swapped channels: other colours


def test_set_means(pair: tuple[np.ndarray, np.ndarray]) -> None:
    photo, other = pair
    result = fidelity.fidelity([(photo, other), (photo, photo)])
    mse = np.mean((photo.astype(np.float64) - other) ** 2) / 2
    assert result["images"] == 2
    assert result["psnr"] == pytest.approx(10 * np.log10(255.0**2 / mse), abs=1e-3)
    assert result["chroma_error"] == pytest.approx(fidelity.chroma_error(photo, other) / 2)
    assert fidelity.psnr(photo, photo) == float("inf")


def test_bad_input_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="same shape"):
        fidelity.chroma_error(np.zeros((4, 4, 3)), np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match="at least one"):
        fidelity.fidelity([])


def test_demo_rows_and_targets(pair: tuple[np.ndarray, np.ndarray]) -> None:
    from animegan.eval import demo_figures

    photo, other = pair
    figures = demo_figures.rows(
        [photo],
        {
            "after pretrain": lambda rgb: other,
            "after training": lambda rgb: rgb[..., ::-1].copy(),
            demo_figures.STYLE_ROW: lambda rgb: other,
        },
    )
    assert figures["after pretrain"]["psnr"] == pytest.approx(reference_psnr(photo, other), abs=1e-3)
    lines = demo_figures.summary(figures, "after pretrain", "after training", 40.0, 1.5)
    assert len(lines) == 5
    assert "BELOW TARGET" in lines[3] and "ABOVE TARGET" in lines[4]
    lines = demo_figures.summary(figures, "after pretrain", "after training", 10.0, 100.0)
    assert lines[3].endswith("(ok)") and lines[4].endswith("(ok)")
