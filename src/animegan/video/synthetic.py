"""A short synthetic clip with a sine sound track, written with PyAV: test data and the demo's sample video."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from animegan.atomic import atomic_path


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


def pan_zoom(
    photo: np.ndarray, size: tuple[int, int], frames: int, pan: float = 0.15, zoom: float = 1.3
) -> Callable[[int], np.ndarray]:
    """Frame index -> a ``size`` (width, height) view of RGB ``photo`` that pans right by ``pan`` of its width and
    zooms in by ``zoom`` over ``frames`` frames (bilinear, sub-pixel): a clip with real, smooth camera motion."""
    import cv2

    width, height = size
    ph, pw = photo.shape[:2]
    base = min(pw / width, ph / height) * (1 - pan)  # source pixels per output pixel at the start

    def frame(index: int) -> np.ndarray:
        t = index / max(1, frames - 1)
        k = base / (1 + (zoom - 1) * t)
        cx, cy = pw * (0.5 - pan / 2 + pan * t), ph / 2
        to_photo = np.array([[k, 0, cx - k * width / 2], [0, k, cy - k * height / 2]], np.float32)
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        return cv2.warpAffine(photo, to_photo, (width, height), flags=flags, borderMode=cv2.BORDER_REFLECT)

    return frame


def make_test_video(
    path: str | Path,
    frames: int = 24,
    fps: int = 12,
    size: tuple[int, int] = (64, 48),
    with_audio: bool = True,
    static: bool = False,
    noise: float = 0.0,
    rotation: int = 0,
    seed: int = 0,
    source: Callable[[int], np.ndarray] | None = None,
) -> Path:
    """Write a short synthetic clip (moving pattern, or a static scene with sensor noise) with a 440 Hz sine track.

    ``size`` is (width, height); ``rotation`` (degrees) is stored as display rotation metadata; ``source``
    (frame index -> RGB uint8 of ``size``, e.g. ``pan_zoom``) replaces the pattern.
    Used by tests and by ``make demo``; codecs follow the suffix (H.264/AAC, or VP9/Opus for webm).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    width, height = size
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
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
            audio_codec = {".webm": "libopus", ".avi": "libmp3lame"}.get(suffix, "aac")
            audio = output.add_stream(audio_codec, rate=48000)
            audio.layout = "mono"
        for index in range(frames):
            shift = 0 if static else 3 * index
            base = source(index).astype(np.float32) if source else pattern(xs, ys, shift)
            if noise:
                base = base + rng.normal(0, noise, base.shape)
            frame = av.VideoFrame.from_ndarray(np.clip(base, 0, 255).astype(np.uint8), format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                output.mux(packet)
        for packet in video.encode(None):
            output.mux(packet)
        if audio is not None:
            samples_total = int(48000 * frames / fps)
            t = np.arange(samples_total, dtype=np.float32) / 48000
            wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            chunk = 960
            for start in range(0, samples_total, chunk):
                audio_frame = av.AudioFrame.from_ndarray(
                    wave[None, start : start + chunk], format="fltp", layout="mono"
                )
                audio_frame.sample_rate = 48000
                audio_frame.pts = start
                audio_frame.time_base = Fraction(1, 48000)
                for packet in audio.encode(audio_frame):
                    output.mux(packet)
            for packet in audio.encode(None):
                output.mux(packet)
    return path
