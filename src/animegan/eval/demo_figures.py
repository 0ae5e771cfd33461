"""The figures ``make demo`` prints: how well the demo generator keeps the val photos after pretrain and after
training, next to the classical cartoon filter that made its style set (the chroma error the style itself has).

Each row is :func:`animegan.eval.fidelity.fidelity` over the val photos at their own size: RGB PSNR, luma PSNR and
mean chroma error (0-255) of the stylized photo against the photo.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from animegan.eval.fidelity import fidelity
from animegan.eval.images import image_files
from animegan.eval.models import baseline
from animegan.imageio import read_image

Stylize = Callable[[np.ndarray], np.ndarray]
STYLE_ROW = "style set (cartoon filter)"


def read_photos(folder: str | Path) -> list[np.ndarray]:
    """The RGB uint8 images of ``folder``, sorted by name."""
    return [read_image(path).rgb for path in image_files(Path(folder))]


def rows(photos: list[np.ndarray], stylizers: dict[str, Stylize]) -> dict[str, dict[str, float]]:
    """One fidelity row per named image -> image function, over the same photos."""
    return {name: fidelity((rgb, stylize(rgb)) for rgb in photos) for name, stylize in stylizers.items()}


def demo_figures(
    val_dir: str | Path, weights: dict[str, str | Path], device: str = "cpu", seed: int = 0
) -> dict[str, dict[str, float]]:
    """Rows for each named generator file (e.g. the pretrain checkpoint and generator.pt) and the cartoon filter
    (with the demo dataset's seed) on the photos of ``val_dir``."""
    from animegan.inference.stylizer import Stylizer  # deferred: loads torch and the inference stack

    stylizers: dict[str, Stylize] = {
        name: Stylizer.from_weights(str(path), device=device, quiet=True) for name, path in weights.items()
    }
    stylizers[STYLE_ROW] = baseline("cartoon", seed).stylize
    return rows(read_photos(val_dir), stylizers)


def summary(
    figures: dict[str, dict[str, float]], pretrain: str, final: str, psnr_floor: float, chroma_ratio: float
) -> list[str]:
    """The printed lines: each row's figures, then the two targets with their verdicts."""
    lines = [
        f"{name:<28}: PSNR {row['psnr']:5.2f} dB, luma PSNR {row['luma_psnr']:5.2f} dB, "
        f"chroma error {row['chroma_error']:5.2f} (0-255, {row['images']} val photos)"
        for name, row in figures.items()
    ]
    if pretrain in figures:
        value = figures[pretrain]["psnr"]
        verdict = "ok" if value >= psnr_floor else "BELOW TARGET"
        lines.append(f"target: PSNR {pretrain} >= {psnr_floor:g} dB: {value:.2f} dB ({verdict})")
    if final in figures and STYLE_ROW in figures:
        ratio = figures[final]["chroma_error"] / max(figures[STYLE_ROW]["chroma_error"], 1e-9)
        verdict = "ok" if ratio <= chroma_ratio else "ABOVE TARGET"
        lines.append(
            f"target: chroma error {final} <= {chroma_ratio:g} x the style set's: {ratio:.2f} x ({verdict})"
        )
    return lines
