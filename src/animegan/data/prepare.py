"""Prepare a style set: edge-smoothed copies in ``smooth/`` and the data-mean JSON, in parallel, idempotently;
for AnimeGANv3 also the photos' superpixel images (``seg_train_5-0.8-50/`` beside ``train_photo/``) and, for
its Shinkai setting, ``smooth_noise/`` (the smooth images with salt noise)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import cv2
import numpy as np

from animegan.data.datamean import channel_mean_rgb, mean_shift
from animegan.data.layout import (
    INFO_FILE,
    PHOTO_DIR,
    SMOOTH_DIR,
    SMOOTH_NOISE_DIR,
    STYLE_DIR,
    list_images,
    read_info,
    resolve_style_root,
    write_info,
)
from animegan.data.salt_noise import SALT_PROBABILITY, image_seed, salt_noise
from animegan.data.smoothing import edge_smooth
from animegan.data.superpixels import PHOTO_SUPERPIXELS, superpixel_image
from animegan.errors import InputError
from animegan.imageio import read_image, write_image
from animegan.progress import make_progress

WRITTEN, UP_TO_DATE, SKIPPED = "written", "up to date", "skipped"


@dataclass
class ItemResult:
    """What happened to one style image."""

    name: str
    status: str
    mean_rgb: list[float] | None = None
    message: str = ""
    converted_from: str | None = None


@dataclass
class PrepareReport:
    """Outcome of preparing one style folder."""

    style_root: Path
    written: int = 0
    up_to_date: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    converted: list[tuple[str, str]] = field(default_factory=list)
    info: dict | None = None


def is_up_to_date(source: Path, output: Path) -> bool:
    """True when ``output`` exists and is at least as new as ``source``."""
    return output.is_file() and output.stat().st_mtime_ns >= source.stat().st_mtime_ns


def smooth_one(source: Path, output: Path, size: int, force: bool) -> ItemResult:
    """Read one style image, measure its channel means and write its edge-smoothed version unless up to date."""
    try:
        loaded = read_image(source)
    except InputError as exc:
        return ItemResult(source.name, SKIPPED, message=str(exc))
    rgb = loaded.rgb
    converted = loaded.converted_from or ("RGBA, alpha dropped" if loaded.alpha is not None else None)
    result = ItemResult(source.name, UP_TO_DATE, channel_mean_rgb(rgb), converted_from=converted)
    if force or not is_up_to_date(source, output):
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        smoothed = edge_smooth(bgr, gray, size)
        write_image(output, cv2.cvtColor(smoothed, cv2.COLOR_BGR2RGB))
        result.status = WRITTEN
    return result


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


def _init_worker() -> None:
    cv2.setNumThreads(1)


def _pool(workers: int) -> ProcessPoolExecutor:
    # Not "fork": a forked child inherits OpenCV/OpenMP thread pools mid-state and can hang.
    # The fork server imports this module once; workers fork from it cheaply.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker)


def _run_all(
    jobs: list[tuple[Path, Path]],
    work: Callable[[Path, Path], ItemResult],
    workers: int,
    quiet: bool,
    label: str = "prepare",
) -> list[ItemResult]:
    results: list[ItemResult] = []
    with make_progress(disable=quiet) as progress:
        task = progress.add_task(label, total=len(jobs), unit="img")
        if workers <= 1:
            for source, output in jobs:
                results.append(work(source, output))
                progress.advance(task)
        else:
            with _pool(workers) as pool:
                futures = [pool.submit(work, source, output) for source, output in jobs]
                for future in as_completed(futures):
                    results.append(future.result())
                    progress.advance(task)
    return sorted(results, key=lambda r: r.name)


def prepare_style_dir(
    style_root: str | Path, size: int = 256, workers: int = 1, force: bool = False, quiet: bool = False
) -> PrepareReport:
    """Write ``smooth/`` beside ``style/`` and ``dataset.json`` (data-mean shift, counts) in ``style_root``.

    Unreadable inputs are skipped and listed in the report; the inputs are never modified.
    """
    style_root = resolve_style_root(style_root)
    style_dir = style_root / STYLE_DIR
    if not style_dir.is_dir():
        raise InputError(
            f"{style_root}: no '{STYLE_DIR}/' folder; expected <root>/<Style>/{STYLE_DIR}/ with anime frames"
        )
    sources = list_images(style_dir)
    if not sources:
        raise InputError(f"{style_dir}: no images found; expected anime frames (.jpg, .png, ...)")
    if size < 8:
        raise InputError(f"--size {size}: expected at least 8 pixels")
    previous = read_info(style_root)
    force = force or (previous is not None and previous.get("size") != size)
    smooth_dir = style_root / SMOOTH_DIR
    jobs = [(source, smooth_dir / source.name) for source in sources]
    results = _run_all(jobs, partial(smooth_one, size=size, force=force), max(1, workers), quiet)
    report = tally(PrepareReport(style_root), results)
    good = [r.mean_rgb for r in results if r.mean_rgb is not None]
    if good:
        photos = style_root.parent / PHOTO_DIR
        report.info = {
            "style": style_root.name,
            "size": size,
            "n_style": len(good),
            "n_smooth": len(good),
            "n_skipped": len(report.skipped),
            "n_photos": len(list_images(photos)) if photos.is_dir() else None,
            **mean_shift(good),
        }
        write_info(style_root, report.info)
    return report


def tally(report: PrepareReport, results: list[ItemResult]) -> PrepareReport:
    """Count written, up-to-date, skipped and converted items into ``report``."""
    for result in results:
        if result.status == SKIPPED:
            report.skipped.append((result.name, result.message))
            continue
        report.written += result.status == WRITTEN
        report.up_to_date += result.status == UP_TO_DATE
        if result.converted_from:
            report.converted.append((result.name, result.converted_from))
    return report


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
    return tally(PrepareReport(output_dir), _run_all(jobs, work, max(1, workers), quiet, "superpixels"))


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
    return tally(PrepareReport(output_dir), _run_all(jobs, work, max(1, workers), quiet, "salt noise"))


def default_workers() -> int:
    """One worker per CPU core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


__all__ = [
    "INFO_FILE",
    "PrepareReport",
    "default_workers",
    "prepare_photo_superpixels",
    "prepare_salt_noise",
    "prepare_style_dir",
    "smooth_one",
    "superpixel_one",
]
