"""Video stylization: PyAV decode -> batched inference -> H.264 (or VP9 for webm) encode, audio kept.

Three stages overlap: a decoder thread (demux, decode, RGB conversion, rotation to upright), the calling thread
(batched inference) and an encoder thread (optional per-frame post-processing, encode, mux). Bounded queues keep
memory flat. The audio stream is copied packet by packet, or re-encoded only when the output container cannot hold
its codec (webm: opus). Frame timestamps are copied, so frame rate (constant or variable) and duration are kept.
The output is written under a temporary name and renamed at the end: an interrupted run leaves no final file.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from animegan.atomic import atomic_path
from animegan.errors import InputError
from animegan.inference.synthetic_video import make_test_video  # re-exported: used by `make demo` and tests
from animegan.progress import make_progress

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"})
VIDEO_CODEC = {".webm": "libvpx-vp9"}  # everything else: libx264
AUDIO_COPY_OK = {
    ".mp4": {"aac", "mp3", "alac", "opus", "ac3", "eac3", "flac"},
    ".m4v": {"aac", "mp3", "alac", "ac3"},
    ".mov": {"aac", "mp3", "alac", "ac3", "pcm_s16le", "pcm_s24le", "pcm_f32le"},
    ".mkv": None,  # None: any codec
    ".webm": {"opus", "vorbis"},
    ".avi": {"mp3", "ac3", "pcm_s16le", "pcm_u8"},
}
AUDIO_REENCODE = {".webm": "libopus", ".avi": "libmp3lame"}  # default: aac
QUEUE_DEPTH = 8
__all__ = ["VideoInfo", "is_video_path", "make_test_video", "probe", "read_frames", "stylize_video"]
_END = object()

FramePostprocess = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (input rgb, stylized rgb) -> rgb


def is_video_path(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


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


def _open_input(path: Path) -> av.container.InputContainer:
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


def _rotation(frame: av.VideoFrame) -> int:
    """Display rotation of a decoded frame in degrees counter-clockwise (0, 90, 180, 270)."""
    return int(round((frame.rotation or 0.0) / 90.0)) * 90 % 360


def probe(path: str | Path) -> VideoInfo:
    """Size (as displayed), frame rate, frame count (by decoding), duration and codecs of a video file."""
    path = Path(path)
    with _open_input(path) as container:
        stream = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        count, rotation, last_end = 0, 0, 0.0
        first_time: float | None = None
        for frame in container.decode(stream):
            if count == 0:
                rotation = _rotation(frame)
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


def upright(rgb: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate decoded pixels so they look as a player would show them (rotation counter-clockwise degrees)."""
    if rotation == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=rotation // 90))


def fit_max_side(rgb: np.ndarray, max_side: int | None) -> np.ndarray:
    """Downscale (area) so the longer side is at most ``max_side``; unchanged when already small enough."""
    h, w = rgb.shape[:2]
    if not max_side or max(h, w) <= max_side:
        return rgb
    scale = max_side / max(h, w)
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def even(rgb: np.ndarray) -> np.ndarray:
    """Crop the last row/column of odd sizes: yuv420p needs even width and height."""
    h, w = rgb.shape[:2]
    return rgb[: h - h % 2, : w - w % 2]


class _Stage(threading.Thread):
    """A daemon thread that records the exception that ended it."""

    def __init__(self, target: Callable[[], None], name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._work = target
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            self.error = exc


def _put(q: queue.Queue, item: object, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def _get(q: queue.Queue, stop: threading.Event, stages: Sequence[_Stage]) -> object:
    while True:
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            for stage in stages:
                if stage.error is not None:
                    raise stage.error from None
            if stop.is_set():
                raise RuntimeError("video pipeline stopped") from None


@dataclass
class _Frame:
    pts: int | None
    time_base: Fraction | None
    duration: int | None
    rgb: np.ndarray


def _estimated_frames(
    stream: av.video.stream.VideoStream, container: av.container.InputContainer
) -> int | None:
    if stream.frames:
        return int(stream.frames)
    if stream.duration and stream.time_base and stream.average_rate:
        return int(round(float(stream.duration * stream.time_base * stream.average_rate)))
    if container.duration and stream.average_rate:
        return int(round(container.duration / av.time_base * float(stream.average_rate)))
    return None


def _add_video_stream(
    output: av.container.OutputContainer,
    suffix: str,
    rate: Fraction,
    time_base: Fraction,
    size: tuple[int, int],
    crf: int,
) -> av.video.stream.VideoStream:
    codec = VIDEO_CODEC.get(suffix, "libx264")
    options = {"crf": str(crf)}
    if codec == "libvpx-vp9":
        options |= {"b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}
    else:
        options |= {"preset": "veryfast"}
    stream = output.add_stream(codec, rate=rate, options=options)
    stream.width, stream.height = size[1], size[0]
    stream.pix_fmt = "yuv420p"
    stream.codec_context.time_base = 1 / Fraction(rate) if suffix == ".avi" else time_base
    return stream


def _add_audio_stream(
    output: av.container.OutputContainer, suffix: str, source: av.audio.stream.AudioStream
) -> tuple[av.audio.stream.AudioStream, bool]:
    """(output audio stream, copy?): a stream copied from ``source`` when the container allows its codec."""
    allowed = AUDIO_COPY_OK.get(suffix)
    name = source.codec_context.codec.canonical_name
    if allowed is None or name in allowed:
        return output.add_stream_from_template(source), True
    codec = AUDIO_REENCODE.get(suffix, "aac")
    rate = source.codec_context.sample_rate or 48000
    if codec == "libopus" and rate not in (8000, 12000, 16000, 24000, 48000):
        rate = 48000
    stream = output.add_stream(codec, rate=rate)
    stream.layout = source.codec_context.layout.name if source.codec_context.layout else "stereo"
    return stream, False


def stylize_video(
    src: str | Path,
    dst: str | Path,
    stylize_batch: Callable[[list[np.ndarray]], list[np.ndarray]],
    batch_size: int = 4,
    crf: int = 18,
    max_side: int | None = None,
    postprocess: Sequence[FramePostprocess] = (),
    show_progress: bool = True,
) -> Path:
    """Stylize every frame of ``src`` into ``dst`` (format by suffix), keeping audio, timing and orientation.

    ``stylize_batch`` maps a list of same-size RGB uint8 frames to stylized frames; each ``postprocess`` hook
    gets (input frame, stylized frame) in order and returns the frame to encode (temporal smoothing, faces).
    """
    src, dst = Path(src), Path(dst)
    suffix = dst.suffix.lower()
    if suffix not in AUDIO_COPY_OK:
        raise InputError(
            f"{dst}: cannot write {suffix or 'no suffix'}; expected one of {', '.join(sorted(AUDIO_COPY_OK))}"
        )
    container = _open_input(src)
    try:
        with atomic_path(dst) as tmp:
            _run_pipeline(
                container,
                src,
                tmp,
                suffix,
                stylize_batch,
                batch_size,
                crf,
                max_side,
                postprocess,
                show_progress,
            )
    except av.error.FFmpegError as exc:
        raise InputError(f"{src}: corrupt or unsupported video ({str(exc).splitlines()[0][:120]})") from None
    finally:
        container.close()
    return dst


def _run_pipeline(
    container: av.container.InputContainer,
    src: Path,
    tmp: Path,
    suffix: str,
    stylize_batch: Callable[[list[np.ndarray]], list[np.ndarray]],
    batch_size: int,
    crf: int,
    max_side: int | None,
    postprocess: Sequence[FramePostprocess],
    show_progress: bool,
) -> None:
    in_video = container.streams.video[0]
    in_video.thread_type = "AUTO"
    in_audio = container.streams.audio[0] if container.streams.audio else None
    rate = in_video.average_rate or in_video.guessed_rate or Fraction(25)
    time_base = in_video.time_base or Fraction(1, int(rate))
    if "avi" in container.format.name:
        time_base = 1 / Fraction(rate)
    stop = threading.Event()
    decoded: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH * batch_size)
    stylized: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)

    def decode() -> None:
        streams = [s for s in (in_video, in_audio) if s is not None]
        rotation: int | None = None
        sequential = "avi" in container.format.name  # AVI stores no reliable pts with B-frames: number frames
        last_pts: int | None = None
        index = 0
        for packet in container.demux(*streams):
            if stop.is_set():
                return
            if packet.stream.type == "audio":
                if packet.dts is not None:
                    _put(decoded, ("audio", packet), stop)
                continue
            for frame in packet.decode():
                if rotation is None:
                    rotation = _rotation(frame)
                rgb = even(fit_max_side(upright(frame.to_ndarray(format="rgb24"), rotation), max_side))
                pts = frame.pts
                if sequential or pts is None or (last_pts is not None and pts <= last_pts):
                    pts = index if sequential or last_pts is None else last_pts + (frame.duration or 1)
                last_pts, index = pts, index + 1
                _put(decoded, ("video", _Frame(pts, frame.time_base or time_base, frame.duration, rgb)), stop)
        _put(decoded, _END, stop)

    output = av.open(str(tmp), mode="w", format=None)
    try:
        state: dict[str, object] = {}

        def encode() -> None:
            while True:
                item = _get(stylized, stop, [])
                if item is _END:
                    break
                kind, payload = item
                if kind == "audio":
                    _write_audio(output, state, payload)
                    continue
                frames, outputs = payload
                for frame, rgb in zip(frames, outputs, strict=True):
                    for hook in postprocess:
                        rgb = hook(frame.rgb, rgb)
                    _write_video(output, state, frame, rgb)
            _flush(output, state)

        def open_streams(first: _Frame) -> None:
            state["video"] = _add_video_stream(output, suffix, rate, time_base, first.rgb.shape[:2], crf)
            if in_audio is not None:
                state["audio"], state["copy_audio"] = _add_audio_stream(output, suffix, in_audio)

        decoder = _Stage(decode, "animegan-decode")
        encoder = _Stage(encode, "animegan-encode")
        decoder.start()
        total = _estimated_frames(in_video, container)
        pending_audio: list = []
        batch: list[_Frame] = []
        try:
            with make_progress(disable=not show_progress) as progress:
                task = progress.add_task(f"stylize {src.name}", total=total, unit="frame")

                def flush_batch() -> None:
                    if not batch:
                        return
                    outputs = stylize_batch([f.rgb for f in batch])
                    _put(stylized, ("video", (list(batch), outputs)), stop)
                    progress.advance(task, len(batch))
                    batch.clear()

                while True:
                    item = _get(decoded, stop, [decoder, encoder])
                    if item is _END:
                        break
                    kind, payload = item
                    if kind == "audio":
                        if "video" in state:
                            _put(stylized, item, stop)
                        else:
                            pending_audio.append(item)
                        continue
                    if "video" not in state:
                        open_streams(payload)
                        encoder.start()
                        for audio_item in pending_audio:
                            _put(stylized, audio_item, stop)
                        pending_audio.clear()
                    if batch and batch[0].rgb.shape != payload.rgb.shape:
                        flush_batch()
                    batch.append(payload)
                    if len(batch) >= batch_size:
                        flush_batch()
                flush_batch()
                if "video" not in state:
                    raise InputError(f"{src}: no decodable video frames")
                _put(stylized, _END, stop)
                while encoder.is_alive():
                    encoder.join(timeout=0.1)
                    if encoder.error is not None:
                        break
                if encoder.error is not None:
                    raise encoder.error
                if decoder.error is not None:
                    raise decoder.error
                progress.update(task, total=progress.tasks[task].completed)
        finally:
            stop.set()
            decoder.join(timeout=5)
            if encoder.is_alive():
                encoder.join(timeout=5)
    finally:
        output.close()


def _write_video(output: av.container.OutputContainer, state: dict, frame: _Frame, rgb: np.ndarray) -> None:
    stream = state["video"]
    video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    video_frame.pts = frame.pts
    video_frame.time_base = frame.time_base
    if frame.duration:
        video_frame.duration = frame.duration
    for packet in stream.encode(video_frame):
        output.mux(packet)


def _write_audio(output: av.container.OutputContainer, state: dict, packet: av.Packet) -> None:
    stream = state["audio"]
    if state["copy_audio"]:
        packet.stream = stream
        output.mux(packet)
        return
    for frame in packet.decode():
        frame.pts = None
        for out_packet in stream.encode(frame):
            output.mux(out_packet)


def _flush(output: av.container.OutputContainer, state: dict) -> None:
    if "video" in state:
        for packet in state["video"].encode(None):
            output.mux(packet)
    if "audio" in state and not state["copy_audio"]:
        for packet in state["audio"].encode(None):
            output.mux(packet)


def read_frames(path: str | Path) -> Iterator[np.ndarray]:
    """Decoded RGB frames of a video, upright (for tests and measurements)."""
    with _open_input(Path(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            yield upright(frame.to_ndarray(format="rgb24"), _rotation(frame))
