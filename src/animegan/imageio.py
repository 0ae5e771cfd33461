"""Reading and writing images robustly: EXIF orientation, alpha, 16-bit, CMYK, palette, bombs, atomic writes.

Animated GIF, PNG (APNG) and WebP files are read frame by frame as shown (each frame composited, as a viewer
does), with their frame durations and loop count, and written back animated.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from animegan.atomic import atomic_path
from animegan.errors import InputError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"})
DEFAULT_MAX_PIXELS = 100_000_000  # refuse decompression bombs above this many pixels (all frames together)
FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".gif": "GIF",
}
ALPHA_SUFFIXES = frozenset({".png", ".webp", ".tif", ".tiff", ".gif"})
ANIMATED_FORMATS = frozenset({"GIF", "PNG", "WEBP"})  # read and written with every frame
DEFAULT_FRAME_MS = 100


@dataclass
class Animation:
    """The frames of an animated image as shown (RGB uint8, one size), their alpha, durations (ms) and loop."""

    frames: list[np.ndarray]
    alphas: list[np.ndarray] | None
    durations: list[int]
    loop: int = 0  # 0: forever


@dataclass
class LoadedImage:
    """An image as RGB uint8 (H, W, 3), its alpha channel (H, W) uint8 or None, and what was converted.

    For an animated file, ``rgb`` and ``alpha`` are its first frame and ``animation`` holds every frame.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None
    converted_from: str | None = None
    animation: Animation | None = None


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


def _bomb_message(path: Path, pixels: int | None, max_pixels: int, what: str = "") -> str:
    claim = f"{what}{pixels:,} pixels exceeds" if pixels else "its header claims more pixels than"
    return (
        f"{path}: {claim} the limit of {max_pixels:,} "
        "(possible decompression bomb; raise the limit, --max-pixels, to process it)"
    )


def _claimed_pixels(error: Exception) -> int | None:
    """The pixel count in Pillow's DecompressionBombError message, if it says one."""
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match[1]) if match else None


@contextmanager
def _open_quietly(path: Path) -> Iterator[Image.Image]:
    """``Image.open`` without Pillow's DecompressionBombWarning (``read_image`` checks its own limit)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as image:
            yield image


def _frames(image: Image.Image, path: Path, max_pixels: int) -> Animation:
    """Every frame of an animated image, composited; the total pixel count is held to ``max_pixels``."""
    width, height = image.size
    count = image.n_frames
    if width * height * count > max_pixels:
        raise InputError(
            _bomb_message(path, width * height * count, max_pixels, f"{count} frames of {width}x{height} = ")
        )
    frames, alphas, durations = [], [], []
    for frame in ImageSequence.Iterator(image):
        rgb, alpha, _ = _to_uint8_rgb(frame.convert("RGBA") if frame.mode not in ("RGB", "RGBA") else frame)
        frames.append(rgb)
        alphas.append(alpha if alpha is not None else np.full(rgb.shape[:2], 255, np.uint8))
        durations.append(int(frame.info.get("duration") or DEFAULT_FRAME_MS))
    opaque = all(bool((alpha == 255).all()) for alpha in alphas)
    return Animation(frames, None if opaque else alphas, durations, int(image.info.get("loop", 0)))


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
        with _open_quietly(path) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise InputError(_bomb_message(path, width * height, max_pixels, f"{width}x{height} = "))
            if width == 0 or height == 0:
                raise InputError(f"{path}: zero-size image ({width}x{height})")
            animation = None
            if image.format in ANIMATED_FORMATS and getattr(image, "is_animated", False):
                animation = _frames(image, path, max_pixels)
                rgb, alpha = animation.frames[0], animation.alphas[0] if animation.alphas else None
                converted = f"{image.n_frames}-frame {image.format}"
            else:
                image.load()
                image = ImageOps.exif_transpose(image)
                rgb, alpha, converted = _to_uint8_rgb(image)
    except InputError:
        raise
    except Image.DecompressionBombError as exc:
        raise InputError(_bomb_message(path, _claimed_pixels(exc), max_pixels)) from None
    except UnidentifiedImageError as exc:
        raise InputError(
            f"{path}: not a readable image ({type(exc).__name__}); expected {', '.join(sorted(IMAGE_SUFFIXES))}"
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InputError(f"{path}: corrupt or truncated image ({str(exc).splitlines()[0][:100]})") from None
    if rgb.size == 0:
        raise InputError(f"{path}: zero-size image")
    if rgb.shape[0] * rgb.shape[1] > max_pixels:
        raise InputError(f"{path}: image exceeds the pixel limit of {max_pixels:,}")
    return LoadedImage(np.ascontiguousarray(rgb), alpha, converted, animation)


def _output_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"{path}: cannot write {suffix or 'files without a suffix'}; expected one of {', '.join(sorted(FORMATS))}"
        )
    return FORMATS[suffix]


def _pil_image(rgb: np.ndarray, alpha: np.ndarray | None, suffix: str) -> Image.Image:
    image = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    if alpha is not None and suffix in ALPHA_SUFFIXES:
        image.putalpha(Image.fromarray(np.ascontiguousarray(alpha, dtype=np.uint8), "L"))
    return image


def write_image(
    path: str | Path, rgb: np.ndarray, alpha: np.ndarray | None = None, quality: int = 95
) -> Path:
    """Write RGB uint8 (and alpha when the format keeps it) atomically; format from the suffix."""
    path = Path(path)
    fmt = _output_format(path)
    image = _pil_image(rgb, alpha, path.suffix.lower())
    options = {"quality": quality} if fmt in ("JPEG", "WEBP") else {}
    with atomic_path(path) as tmp:
        image.save(tmp, format=fmt, **options)
    return path


def write_animation(path: str | Path, animation: Animation, quality: int = 95) -> bool:
    """Write every frame with its duration and the loop count (GIF, APNG, WebP); other formats get the first
    frame only. Returns True if the animation was kept."""
    path = Path(path)
    fmt = _output_format(path)
    if fmt not in ANIMATED_FORMATS:
        write_image(path, animation.frames[0], animation.alphas[0] if animation.alphas else None, quality)
        return False
    alphas = animation.alphas or [None] * len(animation.frames)
    images = [
        _pil_image(rgb, alpha, path.suffix.lower())
        for rgb, alpha in zip(animation.frames, alphas, strict=True)
    ]
    options = {"quality": quality} if fmt == "WEBP" else {}
    if fmt == "GIF" and animation.alphas is not None:
        options["disposal"] = (
            2  # whole frames: clear before each, or transparent pixels show the previous one
        )
    with atomic_path(path) as tmp:
        images[0].save(
            tmp,
            format=fmt,
            save_all=True,
            append_images=images[1:],
            duration=animation.durations,
            loop=animation.loop,
            **options,
        )
    return True


def fit_max_side(rgb: np.ndarray, max_side: int | None) -> np.ndarray:
    """Downscale (area) so the longer side is at most ``max_side``; unchanged when already small enough."""
    import cv2

    h, w = rgb.shape[:2]
    if not max_side or max(h, w) <= max_side:
        return rgb
    scale = max_side / max(h, w)
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
