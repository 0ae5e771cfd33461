"""Synthetic "anime" clips written with PyAV for the style-frame tests: flat-shaded shapes with dark outlines,
panning within a shot, hard cuts, black frames, fades, blurred shots, repeated shots and letterbox bars."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


@dataclass(frozen=True)
class Shot:
    """``frames`` frames of drawing ``seed`` (panning ``pan`` px per frame); ``kind``: picture, black, blur;
    the last ``fade`` frames fade to black."""

    seed: int
    frames: int
    kind: str = "picture"
    fade: int = 0
    pan: int = 3


def drawing(seed: int, height: int, width: int) -> np.ndarray:
    """A flat-coloured picture (twice as wide as shown, for panning) with black outlines."""
    rng = np.random.default_rng(seed)
    canvas = np.empty((height, width * 2, 3), np.uint8)
    canvas[:] = rng.integers(90, 230, 3)
    for _ in range(14):
        colour = tuple(int(c) for c in rng.integers(40, 255, 3))
        centre = (int(rng.integers(0, width * 2)), int(rng.integers(0, height)))
        if rng.random() < 0.5:
            radius = int(rng.integers(height // 8, height // 3))
            cv2.circle(canvas, centre, radius, colour, -1)
            cv2.circle(canvas, centre, radius, (15, 15, 15), 2)
        else:
            corner = (centre[0] + int(rng.integers(20, 60)), centre[1] + int(rng.integers(15, 40)))
            cv2.rectangle(canvas, centre, corner, colour, -1)
            cv2.rectangle(canvas, centre, corner, (15, 15, 15), 2)
    return canvas


def shot_frames(shot: Shot, height: int, width: int) -> list[np.ndarray]:
    if shot.kind == "black":
        return [np.zeros((height, width, 3), np.uint8)] * shot.frames
    picture = drawing(shot.seed, height, width)
    frames = []
    for i in range(shot.frames):
        frame = picture[:, i * shot.pan : i * shot.pan + width].copy()
        if shot.kind == "blur":
            frame = cv2.GaussianBlur(frame, (0, 0), 6)
        if shot.fade and i >= shot.frames - shot.fade:
            frame = (frame * (0.08 + 0.9 * (shot.frames - 1 - i) / shot.fade / 2)).astype(np.uint8)
        frames.append(frame)
    return frames


def write_clip(path: Path, shots: list[Shot], size=(192, 108), bars: int = 0, fps: int = 12) -> list[range]:
    """Write the shots (content of ``size`` minus ``bars`` black rows top and bottom); returns each shot's
    frame-index range."""
    width, height = size
    ranges, start = [], 0
    with av.open(str(path), mode="w") as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "12", "g": "24"}
        for shot in shots:
            for content in shot_frames(shot, height - 2 * bars, width):
                frame = np.zeros((height, width, 3), np.uint8)
                frame[bars : height - bars] = content
                video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
                video_frame.pts, video_frame.time_base = start, Fraction(1, fps)
                output.mux(stream.encode(video_frame))
                start += 1
            ranges.append(range(start - shot.frames, start))
        output.mux(stream.encode(None))
    return ranges
