"""The image sets of an evaluation: every image under a folder, centre-cropped to a square and resized to
``size`` x ``size``; a file that cannot be read is named in one line and skipped; a set too small for KID stops
the evaluation in one line before any stylizing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from animegan.errors import InputError
from animegan.imageio import is_image_path, read_image


@dataclass
class ImageSet:
    """A named set: the files used (in order) and their square RGB uint8 images."""

    name: str
    folder: Path
    paths: list[Path] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)


def square(rgb: np.ndarray, size: int) -> np.ndarray:
    """The centred largest square of ``rgb``, resized to ``size`` x ``size`` (area when shrinking, else cubic)."""
    h, w = rgb.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = rgb[top : top + side, left : left + side]
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_CUBIC
    return np.ascontiguousarray(cv2.resize(crop, (size, size), interpolation=interpolation))


def image_files(folder: Path) -> list[Path]:
    """Image files under ``folder`` (recursive), sorted: the same order on every run."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder, expected a folder of images")
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_image_path(p))


def load_set(
    name: str,
    folder: str | Path,
    size: int,
    limit: int | None = None,
    warn: Callable[[str], None] = print,
) -> ImageSet:
    """The first ``limit`` readable images of ``folder`` (all without a limit); unreadable ones named and skipped."""
    folder = Path(folder)
    result = ImageSet(name, folder)
    for path in image_files(folder):
        if limit is not None and len(result) >= limit:
            break
        try:
            rgb = read_image(path).rgb
        except InputError as exc:
            result.skipped.append(str(exc))
            warn(f"skipped: {exc}")
            continue
        result.paths.append(path)
        result.images.append(square(rgb, size))
    return result


def require(images: ImageSet, minimum: int, why: str) -> None:
    """InputError in one line unless ``images`` holds at least ``minimum`` images."""
    if len(images) < minimum:
        raise InputError(
            f"{images.folder}: {len(images)} usable image(s) in the {images.name} set, {why} needs at least "
            f"{minimum}; add images (or lower --kid-subset)"
        )
