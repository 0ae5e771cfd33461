"""Opening and probing video files: size as displayed, frame rate, frame count, duration, codecs, rotation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from animegan.errors import InputError
from animegan.video.frames import upright


@dataclass
class VideoInfo:
    """What the tests and the CLI need to know about a video file."""

    width: int
    height: int
    fps: Fraction | None
    frames: int
    duration: float
    rotation: int
    video_codec: str
    audio_codec: str | None
    audio_rate: int | None


def open_input(path: Path) -> av.container.InputContainer:
    """An open container with at least one video stream; InputError with one line otherwise."""
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: empty file, expected a video")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable video ({str(exc).splitlines()[0][:100]})") from None
    if not container.streams.video:
        container.close()
        raise InputError(f"{path}: contains no video stream")
    return container


def rotation_of(frame: av.VideoFrame) -> int:
    """Display rotation of a decoded frame in degrees counter-clockwise (0, 90, 180, 270)."""
    return int(round((frame.rotation or 0.0) / 90.0)) * 90 % 360


def estimated_frames(
    stream: av.video.stream.VideoStream, container: av.container.InputContainer
) -> int | None:
    """Frame count from the container's metadata (for progress bars); None when it says nothing."""
    if stream.frames:
        return int(stream.frames)
    if stream.duration and stream.time_base and stream.average_rate:
        return int(round(float(stream.duration * stream.time_base * stream.average_rate)))
    if container.duration and stream.average_rate:
        return int(round(container.duration / av.time_base * float(stream.average_rate)))
    return None


def probe(path: str | Path) -> VideoInfo:
    """Size (as displayed), frame rate, frame count (by decoding), duration and codecs of a video file."""
    path = Path(path)
    with open_input(path) as container:
        stream = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        count, rotation, last_end = 0, 0, 0.0
        first_time: float | None = None
        for frame in container.decode(stream):
            if count == 0:
                rotation = rotation_of(frame)
                first_time = frame.time or 0.0
            count += 1
            duration = float(frame.duration * frame.time_base) if frame.duration and frame.time_base else 0.0
            last_end = max(last_end, (frame.time or 0.0) + duration)
        width, height = stream.codec_context.width, stream.codec_context.height
        if rotation in (90, 270):
            width, height = height, width
        return VideoInfo(
            width=width,
            height=height,
            fps=stream.average_rate,
            frames=count,
            duration=last_end - (first_time or 0.0),
            rotation=rotation,
            video_codec=stream.codec_context.codec.canonical_name,
            audio_codec=audio.codec_context.codec.canonical_name if audio else None,
            audio_rate=audio.codec_context.sample_rate if audio else None,
        )


def read_frames(path: str | Path) -> Iterator:
    """Decoded RGB uint8 frames of a video, upright (for tests and measurements)."""
    with open_input(Path(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            yield upright(frame.to_ndarray(format="rgb24"), rotation_of(frame))
