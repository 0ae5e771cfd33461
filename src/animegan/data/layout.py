"""The dataset layout on disk (reference): ``train_photo/``, ``<Style>/style/``, ``<Style>/smooth/``, ``val/``;
AnimeGANv3 adds the photos' superpixel images ``seg_train_5-0.8-50/``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from animegan.atomic import atomic_write
from animegan.data.prepare.superpixels import PHOTO_SUPERPIXELS
from animegan.imageio import is_image_path

PHOTO_DIR = "train_photo"
STYLE_DIR = "style"
SMOOTH_DIR = "smooth"
SMOOTH_NOISE_DIR = "smooth_noise"  # smooth/ with salt noise (AnimeGANv3 Shinkai)
VAL_DIR = "val"
INFO_FILE = "dataset.json"


@dataclass(frozen=True)
class DatasetLayout:
    """Paths of one style's dataset under ``root``; ``smooth_set`` names the smoothed set the loader reads."""

    root: Path
    style: str
    smooth_set: str = SMOOTH_DIR

    @property
    def photo_dir(self) -> Path:
        return self.root / PHOTO_DIR

    @property
    def photo_superpixel_dir(self) -> Path:
        """The photos' superpixel images (AnimeGANv3), named as the photos: ``seg_train_5-0.8-50/``."""
        return self.root / PHOTO_SUPERPIXELS.dirname

    @property
    def style_root(self) -> Path:
        return self.root / self.style

    @property
    def style_dir(self) -> Path:
        return self.style_root / STYLE_DIR

    @property
    def smooth_dir(self) -> Path:
        return self.style_root / self.smooth_set

    @property
    def val_dir(self) -> Path:
        return self.root / VAL_DIR

    @property
    def info_path(self) -> Path:
        return self.style_root / INFO_FILE


def list_images(folder: Path) -> list[Path]:
    """Image files directly in ``folder``, sorted by name; hidden files (temporary outputs) are left out."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and is_image_path(p)
    )


def resolve_style_root(path: str | Path) -> Path:
    """Accept ``<root>/<Style>`` or ``<root>/<Style>/style`` and return ``<root>/<Style>``."""
    path = Path(path)
    if path.name == STYLE_DIR and not (path / STYLE_DIR).is_dir():
        return path.parent
    return path


def read_info(style_root: Path) -> dict[str, Any] | None:
    """The JSON written by prepare (data-mean shift, image counts), or None when absent."""
    path = style_root / INFO_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def write_info(style_root: Path, info: dict[str, Any]) -> Path:
    """Write the dataset JSON atomically."""
    text = json.dumps(info, indent=2, sort_keys=True) + "\n"
    return atomic_write(style_root / INFO_FILE, lambda tmp: tmp.write_text(text))
