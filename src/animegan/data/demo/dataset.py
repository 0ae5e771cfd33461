"""The embedded default dataset: real photos from scikit-image, a cartoon-filtered style domain, offline."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from animegan.data.demo.cartoon import cartoonize
from animegan.data.image_side import IMAGE_SIDE
from animegan.data.layout import PHOTO_DIR, SMOOTH_DIR, STYLE_DIR, VAL_DIR
from animegan.data.prepare.style import prepare_style_dir
from animegan.data.prepare.superpixels import PHOTO_SUPERPIXELS
from animegan.data.prepare.v3 import prepare_photo_superpixels
from animegan.imageio import write_image
from animegan.workers import default_workers

DEMO_STYLE = "Demo"
STAGING = ".demo-build"


def source_photos() -> list[np.ndarray]:
    """scikit-image's bundled colour photos used for training (both domains, from disjoint halves)."""
    from skimage import data

    return [
        data.astronaut(),
        data.coffee(),
        data.rocket(),
        data.stereo_motorcycle()[0],
        data.hubble_deep_field(),
    ]


def val_photo() -> np.ndarray:
    """A bundled photo used by no training image (the cat)."""
    from skimage import data

    return data.chelsea()


def halves(rgb: np.ndarray, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Split along the longer side; alternate which half goes to photos so both domains see each side."""
    height, width = rgb.shape[:2]
    first, second = (
        (rgb[:, : width // 2], rgb[:, width // 2 :])
        if width >= height
        else (rgb[: height // 2], rgb[height // 2 :])
    )
    return (first, second) if index % 2 == 0 else (second, first)


def random_crops(
    regions: list[np.ndarray], count: int, size: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """``count`` square crops (60-100 % of a region's short side) resized to ``size``, randomly mirrored."""
    for i in range(count):
        region = regions[i % len(regions)]
        height, width = region.shape[:2]
        side = int(rng.integers(int(0.6 * min(height, width)), min(height, width) + 1))
        top, left = int(rng.integers(0, height - side + 1)), int(rng.integers(0, width - side + 1))
        crop = cv2.resize(
            region[top : top + side, left : left + side], (size, size), interpolation=cv2.INTER_AREA
        )
        yield crop[:, ::-1] if rng.random() < 0.5 else crop


def _build(staging: Path, seed: int, n_photos: int, n_style: int, n_val: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    split = [halves(image, i) for i, image in enumerate(source_photos())]
    photo_regions, style_regions = [a for a, _ in split], [b for _, b in split]
    for i, crop in enumerate(random_crops(photo_regions, n_photos, size, rng)):
        write_image(staging / PHOTO_DIR / f"photo_{i:03d}.jpg", crop)
    for i, crop in enumerate(random_crops(style_regions, n_style, size, rng)):
        write_image(staging / DEMO_STYLE / STYLE_DIR / f"style_{i:03d}.png", cartoonize(crop, rng))
    cat = val_photo()
    if n_val > 0:
        write_image(staging / VAL_DIR / "val_000.jpg", cat)
    for i, crop in enumerate(random_crops([cat], n_val - 1, size, rng), start=1):
        write_image(staging / VAL_DIR / f"val_{i:03d}.jpg", crop)
    for report in (
        prepare_style_dir(staging / DEMO_STYLE, size=size, workers=1, quiet=True),
        prepare_photo_superpixels(staging, workers=default_workers(), quiet=True),  # experiment=demo model=v3
    ):
        if report.skipped:  # pragma: no cover - our own images are always readable
            raise RuntimeError(f"demo data: prepare skipped {report.skipped}")


def make_demo_dataset(
    root: Path, seed: int = 0, n_photos: int = 100, n_style: int = 100, n_val: int = 8, size: int = IMAGE_SIDE
) -> Path:
    """Build the demo dataset under ``root`` (``train_photo/``, ``Demo/style|smooth/``, ``val/``, and the photos'
    superpixel images ``seg_train_5-0.8-50/`` that AnimeGANv3 reads) and return ``root``.

    Built in a hidden staging folder first, then moved into place, replacing earlier demo folders.
    """
    root = Path(root)
    staging = root / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _build(staging, seed, n_photos, n_style, n_val, size)
        for name in (PHOTO_DIR, DEMO_STYLE, VAL_DIR, PHOTO_SUPERPIXELS.dirname):
            target = root / name
            if target.exists():
                shutil.rmtree(target)
            if (staging / name).exists():
                (staging / name).rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return root


__all__ = ["DEMO_STYLE", "SMOOTH_DIR", "make_demo_dataset"]
