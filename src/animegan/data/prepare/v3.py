"""AnimeGANv3's extra prepared data: the photos' superpixel images (``seg_train_5-0.8-50/`` beside
``train_photo/``) and, for its Shinkai setting, ``smooth_noise/`` (the smooth images with salt noise)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from animegan.data.layout import PHOTO_DIR, SMOOTH_DIR, SMOOTH_NOISE_DIR, list_images, resolve_style_root
from animegan.data.prepare.salt_noise import SALT_PROBABILITY, image_seed, salt_noise
from animegan.data.prepare.style import (
    SKIPPED,
    UP_TO_DATE,
    WRITTEN,
    ItemResult,
    PrepareReport,
    is_up_to_date,
    run_all,
    tally,
)
from animegan.data.prepare.superpixels import PHOTO_SUPERPIXELS, superpixel_image
from animegan.errors import InputError
from animegan.imageio import read_image, write_image


def superpixel_one(source: Path, output: Path, force: bool) -> ItemResult:
    """Write the superpixel image of one photo (reference settings 5, 0.8, 50) unless up to date."""
    try:
        loaded = read_image(source)
    except InputError as exc:
        return ItemResult(source.name, SKIPPED, message=str(exc))
    result = ItemResult(source.name, UP_TO_DATE, converted_from=loaded.converted_from)
    if force or not is_up_to_date(source, output):
        write_image(output, superpixel_image(loaded.rgb, PHOTO_SUPERPIXELS))
        result.status = WRITTEN
    return result


def salt_one(source: Path, output: Path, probability: float, seed: int, force: bool) -> ItemResult:
    """Write one smooth image with salt noise (its own seed) unless up to date."""
    try:
        loaded = read_image(source)
    except InputError as exc:
        return ItemResult(source.name, SKIPPED, message=str(exc))
    result = ItemResult(source.name, UP_TO_DATE)
    if force or not is_up_to_date(source, output):
        rng = np.random.default_rng(image_seed(source.name, seed))
        write_image(output, salt_noise(loaded.rgb, probability, rng))
        result.status = WRITTEN
    return result


def prepare_photo_superpixels(
    root: str | Path, workers: int = 1, force: bool = False, quiet: bool = False
) -> PrepareReport:
    """Write ``<root>/seg_train_5-0.8-50/``: the superpixel image of every photo of ``<root>/train_photo/``."""
    root = Path(root)
    photo_dir = root / PHOTO_DIR
    sources = list_images(photo_dir)
    if not sources:
        raise InputError(
            f"{photo_dir}: missing or no images; expected the training photos (AnimeGANv3 superpixels)"
        )
    output_dir = root / PHOTO_SUPERPIXELS.dirname
    jobs = [(source, output_dir / source.name) for source in sources]
    work = partial(superpixel_one, force=force)
    return tally(
        PrepareReport(output_dir), run_all(jobs, work, workers, quiet, "superpixels", processes=True)
    )


def prepare_salt_noise(
    style_root: str | Path,
    probability: float = SALT_PROBABILITY,
    seed: int = 0,
    workers: int = 1,
    force: bool = False,
    quiet: bool = False,
) -> PrepareReport:
    """Write ``<Style>/smooth_noise/``: every ``smooth/`` image with salt noise (AnimeGANv3 Shinkai)."""
    style_root = resolve_style_root(style_root)
    sources = list_images(style_root / SMOOTH_DIR)
    if not sources:
        raise InputError(
            f"{style_root / SMOOTH_DIR}: missing or no images; run `animegan prepare {style_root}` first"
        )
    output_dir = style_root / SMOOTH_NOISE_DIR
    jobs = [(source, output_dir / source.name) for source in sources]
    work = partial(salt_one, probability=probability, seed=seed, force=force)
    return tally(PrepareReport(output_dir), run_all(jobs, work, workers, quiet, "salt noise"))


__all__ = ["prepare_photo_superpixels", "prepare_salt_noise"]
