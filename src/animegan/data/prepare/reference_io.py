"""Reading and writing style images exactly as the reference ``edge_smooth.py`` does, so ``smooth/`` is its output.

The reference reads the colour image with ``cv2.imread(path)`` (BGR, EXIF orientation applied, alpha dropped,
16-bit scaled to 8) and the grayscale one with ``cv2.imread(path, cv2.IMREAD_GRAYSCALE)``: the decoder's own
grayscale, which is not ``cvtColor`` of the colour image (libjpeg decodes the Y channel, with its own rounding;
libpng converts with ``(9797 R + 19234 G + 3737 B) >> 15``). It writes with ``cv2.imwrite`` under the same file
name, at OpenCV's default settings (JPEG quality 95); PNGs, lossless at any level, are written stored by default
(``SMOOTH_PNG_LEVEL``): the same pixels, faster to write and to read.

Here the colour decode is done once and, for 8-bit RGB PNGs without colour chunks (gamma, ICC, ...), the gray is
computed from it with libpng's integer formula (a second PNG decode costs as much as the first); the formula is
checked against the decoder on the first such PNG of each reader, and not used if they differ. 16-bit PNGs are no
ordinary files: their colour is the reference's (scaled to 8 bits), their gray that formula of it, so they smooth
exactly as their 8-bit version does. JPEGs are decoded a
second time (their Y channel is cheap). Files OpenCV cannot read (or reads as 1-channel) go through Pillow
(``animegan.imageio.read_image``) with its conversions; unreadable ones raise one line.
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from animegan.atomic import atomic_path
from animegan.errors import InputError
from animegan.imageio import DEFAULT_MAX_PIXELS, read_image, write_image

LIBPNG_GRAY_WEIGHTS = np.array(
    [3737, 19234, 9797], np.uint32
)  # B, G, R in 1/32768: OpenCV's 0.299, 0.587 via libpng
LIBPNG_GRAY_SHIFT = 15
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# zlib level of the smooth/ PNGs. 0 = stored, unfiltered: the same pixels as any level (PNG is lossless) at
# 1.5x the reference's file size, encoded 7x faster (0.24 ms against 1.7 ms at 256x256) and decoded 7x faster
# in every training epoch (0.16 ms against 1.1 ms). 1-9: zlib at that level with OpenCV's filters; None:
# OpenCV's own defaults, so the files are byte for byte the reference's.
SMOOTH_PNG_LEVEL: int | None = 0
PNG_COLOUR_CHUNKS = frozenset(
    {b"gAMA", b"sRGB", b"iCCP", b"cHRM", b"sBIT", b"tRNS"}
)  # may alter libpng's gray


@dataclass
class StyleImage:
    """A decoded style image: BGR and the decoder's grayscale (uint8), and what was converted (or None)."""

    bgr: np.ndarray
    gray: np.ndarray
    converted_from: str | None = None


def libpng_gray(bgr: np.ndarray) -> np.ndarray:
    """libpng's ``rgb_to_gray`` of an 8-bit image with OpenCV's weights, from its BGR pixels."""
    weighted = bgr.reshape(-1, 3).astype(np.uint32) @ LIBPNG_GRAY_WEIGHTS
    return (weighted >> LIBPNG_GRAY_SHIFT).astype(np.uint8).reshape(bgr.shape[:2])


def header(path: Path) -> tuple[str | None, str | None, tuple[int, int]]:
    """(Pillow's format, mode, size) from the file's header only; (None, None, (0, 0)) if Pillow cannot tell."""
    try:
        with Image.open(path) as image:
            return image.format, image.mode, image.size
    except Exception:  # noqa: BLE001 - unidentified or broken header: OpenCV and read_image decide below
        return None, None, (0, 0)


@dataclass(frozen=True)
class PngHeader:
    """What decides libpng's grayscale: bit depth, colour type, and colour chunks before the image data."""

    depth: int
    colour_type: int
    colour_chunks: bool

    @property
    def plain_rgb8(self) -> bool:
        """8-bit RGB without alpha or colour chunks: libpng's gray is exactly ``libpng_gray`` of its pixels."""
        return self.depth == 8 and self.colour_type == 2 and not self.colour_chunks


def png_header(path: Path, head_bytes: int = 1 << 16) -> PngHeader | None:
    """The PNG's header facts (None if it is no PNG, or its image data starts past ``head_bytes``)."""
    with open(path, "rb") as file:
        head = file.read(head_bytes)
    if not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    depth, colour_type = head[24], head[25]
    at, colour_chunks = len(PNG_SIGNATURE), False
    while at + 8 <= len(head):
        length, kind = struct.unpack(">I4s", head[at : at + 8])
        if kind == b"IDAT":
            return PngHeader(depth, colour_type, colour_chunks)
        colour_chunks |= kind in PNG_COLOUR_CHUNKS
        at += 12 + length
    return None


class ReferenceReader:
    """Decodes style images as the reference does (see the module docstring); safe to share between threads."""

    def __init__(self, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self.max_pixels = max_pixels
        self._png_formula: bool | None = None  # None until checked on the first 8-bit RGB PNG
        self._lock = threading.Lock()

    def read(self, path: Path, gray: bool = True) -> StyleImage:
        """Decode ``path``; ``gray=False`` skips the grayscale (``gray`` is then the colour image's, unused)."""
        fmt, mode, (width, height) = header(path)
        if width * height > self.max_pixels or fmt in ("PNG", "JPEG"):
            # stylize's rule (one-line InputError) before OpenCV, whose libjpeg would print a truncated file's
            # "Premature end of JPEG file" raw to stderr and return the grey-padded image
            read_image(path, self.max_pixels)
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None or bgr.ndim != 3 or fmt not in ("PNG", "JPEG", "BMP", "WEBP", "TIFF"):
            return self._with_pillow(path)
        converted = None if mode == "RGB" else ("RGBA, alpha dropped" if mode == "RGBA" else mode)
        png = png_header(path) if fmt == "PNG" else None
        if (
            png is not None and png.depth == 16
        ):  # not an ordinary file: gray of the 8-bit colour, as for 8 bits
            return StyleImage(bgr, libpng_gray(bgr), converted or "16-bit PNG")
        if not gray:
            return StyleImage(bgr, bgr[..., 0], converted)
        return StyleImage(bgr, self._gray(path, bgr, png is not None and png.plain_rgb8), converted)

    def _gray(self, path: Path, bgr: np.ndarray, rgb_png: bool) -> np.ndarray:
        if rgb_png and self._png_formula:
            return libpng_gray(bgr)
        decoded = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if decoded is None or decoded.shape != bgr.shape[:2]:
            raise InputError(f"{path}: corrupt or truncated image (grayscale decode failed)")
        if rgb_png and self._png_formula is None:
            with self._lock:
                self._png_formula = bool(np.array_equal(libpng_gray(bgr), decoded))
        return decoded

    @staticmethod
    def _with_pillow(path: Path) -> StyleImage:
        loaded = read_image(path)  # one-line InputError for anything unreadable
        bgr = cv2.cvtColor(loaded.rgb, cv2.COLOR_RGB2BGR)
        converted = loaded.converted_from or ("RGBA, alpha dropped" if loaded.alpha is not None else None)
        return StyleImage(bgr, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), converted or "read by Pillow")


def encode_params(suffix: str, png_level: int | None = SMOOTH_PNG_LEVEL) -> list[int]:
    """OpenCV encoder parameters: its defaults (JPEG quality 95, ...), PNGs at ``png_level`` (see above)."""
    if suffix.lower() != ".png" or png_level is None:
        return []
    if png_level == 0:
        return [cv2.IMWRITE_PNG_COMPRESSION, 0, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE]
    return [cv2.IMWRITE_PNG_COMPRESSION, png_level]


def write_like_reference(path: Path, bgr: np.ndarray, png_level: int | None = SMOOTH_PNG_LEVEL) -> Path:
    """Encode as ``cv2.imwrite`` would (format from the suffix, OpenCV's defaults; PNG at ``png_level``), under a
    temporary name first; suffixes OpenCV cannot encode go through Pillow."""
    try:
        ok, encoded = cv2.imencode(path.suffix, bgr, encode_params(path.suffix, png_level))
    except cv2.error:
        ok = False
    if not ok:
        return write_image(path, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    with atomic_path(path) as tmp:
        tmp.write_bytes(encoded.tobytes())
    return path
