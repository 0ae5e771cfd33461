"""The demo's sample video: a moving pattern with a 440 Hz sine sound track, written with PyAV.

``write_clip`` is the writer (codecs follow the suffix: H.264/AAC, VP9/Opus for webm, MP3 for avi); tests and
benchmarks build their clips on it (``tests/helpers/synthetic_video.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from animegan.atomic import atomic_path

SAMPLE_RATE = 48000
TONE_HZ = 440


def pattern(xs: np.ndarray, ys: np.ndarray, shift: float) -> np.ndarray:
    """The moving test pattern (float RGB, 0..255) at pixel grids ``xs``, ``ys`` shifted by ``shift``."""
    return np.stack(
        [
            128 + 100 * np.sin((xs + shift) / 7.0),
            128 + 100 * np.cos((ys + shift) / 9.0),
            255 * ((xs // 8 + ys // 8) % 2) * 0.6 + 40,
        ],
        axis=2,
    )


def moving_pattern(size: tuple[int, int]) -> Callable[[int], np.ndarray]:
    """Frame index -> the pattern at ``size`` (width, height), shifted 3 pixels a frame."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return lambda index: pattern(xs, ys, 3 * index)


def _write_tone(
    output: av.container.OutputContainer, audio: av.audio.stream.AudioStream, seconds: float
) -> None:
    samples_total = int(SAMPLE_RATE * seconds)
    t = np.arange(samples_total, dtype=np.float32) / SAMPLE_RATE
    wave = (0.3 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)
    chunk = 960
    for start in range(0, samples_total, chunk):
        audio_frame = av.AudioFrame.from_ndarray(
            wave[None, start : start + chunk], format="fltp", layout="mono"
        )
        audio_frame.sample_rate = SAMPLE_RATE
        audio_frame.pts = start
        audio_frame.time_base = Fraction(1, SAMPLE_RATE)
        for packet in audio.encode(audio_frame):
            output.mux(packet)
    for packet in audio.encode(None):
        output.mux(packet)


def write_clip(
    path: str | Path,
    frame_at: Callable[[int], np.ndarray],
    frames: int,
    fps: int,
    size: tuple[int, int],
    with_audio: bool = True,
    rotation: int = 0,
) -> Path:
    """Write ``frames`` frames of ``frame_at(index)`` (RGB, 0..255, ``size`` = (width, height)) and, with
    ``with_audio``, a sine track as long as the video; ``rotation`` (degrees) is display rotation metadata."""
    path = Path(path)
    suffix = path.suffix.lower()
    width, height = size
    with atomic_path(path) as tmp, av.open(str(tmp), mode="w") as output:
        video = output.add_stream({".webm": "libvpx-vp9"}.get(suffix, "libx264"), rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = (
            {"crf": "10"} if suffix != ".webm" else {"crf": "10", "b": "0", "deadline": "realtime"}
        )
        if rotation:
            video.set_display_rotation(rotation)
        audio = None
        if with_audio:
            audio = output.add_stream(
                {".webm": "libopus", ".avi": "libmp3lame"}.get(suffix, "aac"), rate=SAMPLE_RATE
            )
            audio.layout = "mono"
        for index in range(frames):
            rgb = np.clip(frame_at(index), 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                output.mux(packet)
        for packet in video.encode(None):
            output.mux(packet)
        if audio is not None:
            _write_tone(output, audio, frames / fps)
    return path


def make_demo_clip(path: str | Path, frames: int, fps: int, size: tuple[int, int]) -> Path:
    """The demo's sample video: the moving pattern with its sound track."""
    return write_clip(path, moving_pattern(size), frames, fps, size, with_audio=True)
