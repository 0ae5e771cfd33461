"""eval.png: the four distances as bar charts (one bar per model) above a grid of the same photos as each model
renders them (first row: the photos). Drawn with Pillow; written under a temporary name first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from animegan.imageio import write_image

PANELS = (("FID to photo", "fid_photo"), ("KID to photo", "kid_photo"), ("FID to style", "fid_style"))
PANELS += (("KID to style", "kid_style"),)
COLOURS = ((66, 133, 244), (219, 68, 55), (244, 180, 0), (15, 157, 88), (171, 71, 188), (0, 172, 193))
PANEL_W, PANEL_H, BAR_AREA, THUMB, LABEL_W, MARGIN = 240, 210, 150, 128, 180, 10


def _font() -> ImageFont.ImageFont:
    return ImageFont.load_default()


def _panel(draw: ImageDraw.ImageDraw, x0: int, title: str, values: list[float | None]) -> None:
    """One bar chart at ``x0``: bar heights relative to the largest value, each labelled with its value."""
    draw.text((x0 + 8, 4), title, fill=(0, 0, 0), font=_font())
    finite = [abs(v) for v in values if v is not None and np.isfinite(v)]
    top = max(finite) if finite and max(finite) > 0 else 1.0
    width = (PANEL_W - 20) // max(1, len(values))
    base = 24 + BAR_AREA
    draw.line((x0 + 8, base, x0 + PANEL_W - 8, base), fill=(0, 0, 0))
    for i, value in enumerate(values):
        left = x0 + 10 + i * width
        if value is None or not np.isfinite(value):
            draw.text((left + 2, base - 14), "-", fill=(0, 0, 0), font=_font())
            continue
        height = int(BAR_AREA * max(value, 0.0) / top)
        draw.rectangle((left + 2, base - height, left + width - 4, base), fill=COLOURS[i % len(COLOURS)])
        draw.text((left + 2, base + 4), f"{value:.3g}", fill=(0, 0, 0), font=_font())


def _thumb(rgb: np.ndarray) -> np.ndarray:
    return cv2.resize(rgb, (THUMB, THUMB), interpolation=cv2.INTER_AREA)


def render(records: list[dict[str, Any]], grid: dict[str, list[np.ndarray]]) -> np.ndarray:
    """The chart above the grid, as an RGB uint8 array."""
    columns = max((len(images) for images in grid.values()), default=0)
    width = max(PANEL_W * len(PANELS), LABEL_W + columns * (THUMB + 4)) + 2 * MARGIN
    legend_h = 16 * len(records) + 8
    height = PANEL_H + legend_h + len(grid) * (THUMB + 4) + 2 * MARGIN
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for p, (title, key) in enumerate(PANELS):
        _panel(draw, MARGIN + p * PANEL_W, title, [r.get(key) for r in records])
    for i, record in enumerate(records):
        y = PANEL_H + 16 * i
        draw.rectangle((MARGIN, y + 2, MARGIN + 10, y + 12), fill=COLOURS[i % len(COLOURS)])
        draw.text((MARGIN + 16, y), str(record["model"]), fill=(0, 0, 0), font=_font())
    top = PANEL_H + legend_h + MARGIN
    for row, (label, images) in enumerate(grid.items()):
        y = top + row * (THUMB + 4)
        draw.text((MARGIN, y + THUMB // 2 - 6), label[-28:], fill=(0, 0, 0), font=_font())
        for col, image in enumerate(images):
            canvas.paste(Image.fromarray(_thumb(image)), (MARGIN + LABEL_W + col * (THUMB + 4), y))
    return np.asarray(canvas)


def write_chart(records: list[dict[str, Any]], grid: dict[str, list[np.ndarray]], path: Path) -> Path:
    """``path`` (eval.png): the chart and the grid."""
    return write_image(path, render(records, grid))
