"""Reading and writing images robustly: EXIF orientation, alpha, 16-bit, CMYK, palette, bombs, atomic writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from animegan.atomic import atomic_path
from animegan.errors import InputError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})
DEFAULT_MAX_PIXELS = 100_000_000  # refuse decompression bombs above this many pixels


@dataclass
class LoadedImage:
    """An image as RGB uint8 (H, W, 3), its alpha channel (H, W) uint8 or None, and what was converted."""

    rgb: np.ndarray
    alpha: np.ndarray | None
    converted_from: str | None = None


def is_image_path(path: Path) -> bool:
    """True if the suffix is one of the image types we read and write."""
    return path.suffix.lower() in IMAGE_SUFFIXES


def _to_uint8_rgb(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None, str | None]:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        data = np.asarray(image, dtype=np.float64)
        scale = 65535.0 if mode != "F" else max(float(data.max()), 1.0)
        gray = np.clip(np.rint(data / scale * 255.0), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2), None, f"16-bit {mode}"
    alpha = None
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        alpha = np.asarray(rgba)[..., 3].copy()
        rgb = np.asarray(rgba.convert("RGB"))
        return rgb, alpha, None if mode == "RGBA" else mode
    if mode == "RGB":
        return np.asarray(image), None, None
    return np.asarray(image.convert("RGB")), None, mode


def read_image(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> LoadedImage:
    """Decode ``path`` to RGB uint8 with EXIF orientation applied; raise InputError with one clear line if unusable."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: empty file, expected an image")
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise InputError(
                    f"{path}: {width}x{height} = {width * height:,} pixels exceeds the limit of {max_pixels:,} "
                    "(possible decompression bomb; raise the limit to process it)"
                )
            if width == 0 or height == 0:
                raise InputError(f"{path}: zero-size image ({width}x{height})")
            image.load()
            image = ImageOps.exif_transpose(image)
            rgb, alpha, converted = _to_uint8_rgb(image)
    except InputError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise InputError(
            f"{path}: not a readable image ({type(exc).__name__}); expected {', '.join(sorted(IMAGE_SUFFIXES))}"
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise InputError(f"{path}: corrupt or truncated image ({str(exc).splitlines()[0][:100]})") from None
    if rgb.size == 0:
        raise InputError(f"{path}: zero-size image")
    if rgb.shape[0] * rgb.shape[1] > max_pixels:
        raise InputError(f"{path}: image exceeds the pixel limit of {max_pixels:,}")
    return LoadedImage(np.ascontiguousarray(rgb), alpha, converted)


def write_image(
    path: str | Path, rgb: np.ndarray, alpha: np.ndarray | None = None, quality: int = 95
) -> Path:
    """Write RGB uint8 (and alpha when the format keeps it) atomically; format from the suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise InputError(
            f"{path}: cannot write {suffix or 'files without a suffix'}; expected one of {', '.join(sorted(IMAGE_SUFFIXES))}"
        )
    image = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    if alpha is not None and suffix in (".png", ".webp", ".tif", ".tiff"):
        image.putalpha(Image.fromarray(np.ascontiguousarray(alpha, dtype=np.uint8), "L"))
    fmt = {
        ".jpg": "JPEG",
        ".jpeg": "JPEG",
        ".png": "PNG",
        ".webp": "WEBP",
        ".bmp": "BMP",
        ".tif": "TIFF",
        ".tiff": "TIFF",
    }[suffix]
    options = {"quality": quality} if fmt in ("JPEG", "WEBP") else {}
    with atomic_path(path) as tmp:
        image.save(tmp, format=fmt, **options)
    return path


def fit_max_side(rgb: np.ndarray, max_side: int | None) -> np.ndarray:
    """Downscale (area) so the longer side is at most ``max_side``; unchanged when already small enough."""
    import cv2

    h, w = rgb.shape[:2]
    if not max_side or max(h, w) <= max_side:
        return rgb
    scale = max_side / max(h, w)
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
