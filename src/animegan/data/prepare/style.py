"""Prepare a style set: edge-smoothed copies in ``smooth/`` and the data-mean JSON, in parallel, idempotently.

Each image is decoded, smoothed and encoded on the reference's byte path (``reference_io``), so ``smooth/`` holds
the reference ``edge_smooth.py``'s files; its channel means come from the same decode (nothing is read twice).
Images are spread over a pool of threads (OpenCV and NumPy release the GIL; no process start-up, which costs
more than a whole 256-pixel style set), each running OpenCV single-threaded, so decode, compute and encode of
different images overlap across the cores.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import cv2

from animegan.data.image_side import IMAGE_SIDE
from animegan.data.layout import (
    INFO_FILE,
    PHOTO_DIR,
    SMOOTH_DIR,
    STYLE_DIR,
    list_images,
    read_info,
    resolve_style_root,
    write_info,
)
from animegan.data.prepare.datamean import mean_shift
from animegan.data.prepare.digest import set_sha256
from animegan.data.prepare.reference_io import SMOOTH_PNG_LEVEL, ReferenceReader, write_like_reference
from animegan.data.prepare.smoothing import edge_smooth
from animegan.errors import InputError
from animegan.progress import make_progress
from animegan.workers import process_pool, single_threaded_opencv

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


def smooth_one(
    source: Path,
    output: Path,
    size: int,
    force: bool,
    reader: ReferenceReader | None = None,
    png_level: int | None = SMOOTH_PNG_LEVEL,
) -> ItemResult:
    """Decode one style image, measure its channel means and write its edge-smoothed version unless up to date."""
    write = force or not is_up_to_date(source, output)
    try:
        image = (reader or ReferenceReader()).read(source, gray=write)
    except InputError as exc:
        return ItemResult(source.name, SKIPPED, message=str(exc))
    means = list(cv2.mean(image.bgr)[2::-1])  # B, G, R means (exact sums, as float64), reversed: R, G, B
    result = ItemResult(source.name, UP_TO_DATE, means, converted_from=image.converted_from)
    if write:
        write_like_reference(output, edge_smooth(image.bgr, image.gray, size), png_level)
        result.status = WRITTEN
    return result


def run_all(
    jobs: list[tuple[Path, Path]],
    work: Callable[[Path, Path], ItemResult],
    workers: int,
    quiet: bool,
    label: str = "prepare",
    processes: bool = False,
) -> list[ItemResult]:
    """Run ``work(source, output)`` for every job on a pool, with progress; results sorted by name.

    Threads by default (OpenCV and NumPy release the GIL); ``processes`` for work that holds it (superpixels).
    """
    results: list[ItemResult] = []
    workers = max(1, workers)
    pool: Executor = (
        process_pool(workers, __name__) if processes and workers > 1 else ThreadPoolExecutor(workers)
    )
    with make_progress(disable=quiet) as progress, single_threaded_opencv(), pool:
        task = progress.add_task(label, total=len(jobs), unit="img")
        futures = [pool.submit(work, source, output) for source, output in jobs]
        for future in as_completed(futures):
            results.append(future.result())
            progress.advance(task)
    return sorted(results, key=lambda r: r.name)


def prepare_style_dir(
    style_root: str | Path,
    size: int = IMAGE_SIDE,
    workers: int = 1,
    force: bool = False,
    quiet: bool = False,
    png_level: int | None = SMOOTH_PNG_LEVEL,
) -> PrepareReport:
    """Write ``smooth/`` beside ``style/`` and ``dataset.json`` (data-mean shift, counts) in ``style_root``.

    ``png_level``: zlib level of PNG outputs (0 = stored; None = OpenCV's defaults, the reference's bytes); the
    pixels are the same at every level.

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
    if png_level is not None and not 0 <= png_level <= 9:
        raise InputError(f"--png-level {png_level}: expected a zlib level from 0 (stored) to 9")
    previous = read_info(style_root)
    force = force or (previous is not None and previous.get("size") != size)
    smooth_dir = style_root / SMOOTH_DIR
    jobs = [(source, smooth_dir / source.name) for source in sources]
    work = partial(smooth_one, size=size, force=force, reader=ReferenceReader(), png_level=png_level)
    results = run_all(jobs, work, workers, quiet)
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
            "sha256_style": set_sha256(
                style_dir
            ),  # contents of style/ and the photos (data/prepare/digest.py)
            "sha256_photos": set_sha256(photos),
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


__all__ = ["INFO_FILE", "PrepareReport", "prepare_style_dir", "smooth_one"]
