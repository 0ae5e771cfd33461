"""Stylized face crops (``animegan faces``): every face of a photo, FFHQ-aligned and stylized by a face model."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from animegan.errors import AnimeGANError
from animegan.faces.align import align_face
from animegan.faces.detect import FaceDetector
from animegan.imageio import read_image, write_image
from animegan.progress import make_progress

Stylize = Callable[[np.ndarray], np.ndarray]


@dataclass
class CropOptions:
    """How the crops are made: side in pixels, smallest face kept, aligned input shown beside the result."""

    size: int = 512
    min_face: int = 64
    side_by_side: bool = False


@dataclass
class CropReport:
    """What a crop run did: crops written, images done, images failed."""

    written: int = 0
    images: int = 0
    failed: int = 0


def stylized_faces(
    rgb: np.ndarray, detector: FaceDetector, stylize: Stylize, options: CropOptions
) -> tuple[list[np.ndarray], list[str]]:
    """(crops, notes): the stylized aligned crop of every face of ``rgb`` large enough, left to right."""
    faces = detector(rgb)
    notes = [] if faces else ["no face found"]
    crops = []
    for face in faces:
        if face.box.size < options.min_face:
            notes.append(f"skipped a face of {face.box.size:.0f} px (< {options.min_face} px)")
            continue
        aligned = align_face(rgb, face.landmarks, options.size)
        styled = stylize(aligned.crop)
        crops.append(np.concatenate([aligned.crop, styled], axis=1) if options.side_by_side else styled)
    return crops, notes


def write_face_crops(
    paths: Iterable[Path],
    out_dir: Path,
    detector: FaceDetector,
    stylize: Stylize,
    options: CropOptions,
    on_note: Callable[[Path, str], None],
    on_failure: Callable[[str], None],
    quiet: bool = False,
) -> CropReport:
    """Write ``out_dir/<stem>_face<k>.png`` for every face of every image; a bad image is one failure line.

    ``on_note(path, note)`` hears of images without faces and skipped small faces, ``on_failure(line)`` of
    unreadable images and failed writes, as they happen; the other images are still processed.
    """
    paths = list(paths)
    report = CropReport()
    with make_progress(disable=quiet) as progress:
        task = progress.add_task("faces", total=len(paths), unit="img")
        for path in paths:
            try:
                crops, notes = stylized_faces(read_image(path).rgb, detector, stylize, options)
                for k, crop in enumerate(crops):
                    write_image(out_dir / f"{path.stem}_face{k}.png", crop)
                report.written += len(crops)
                report.images += 1
                for note in notes:
                    on_note(path, note)
            except (AnimeGANError, OSError) as exc:
                report.failed += 1
                on_failure(str(exc) if isinstance(exc, AnimeGANError) else f"{path}: {exc.strerror or exc}")
            progress.advance(task)
    return report
