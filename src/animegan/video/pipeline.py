"""Video stylization: PyAV decode -> batched inference -> encode, in three overlapping stages, audio kept.

A decoder thread demuxes, decodes, converts to RGB and turns frames upright; the calling thread runs batched
inference; an encoder thread applies per-frame post-processing (temporal smoothing, faces), encodes and muxes.
The first batch holds a single frame, as a folder's first photo: the Stylizer runs it on PyTorch and, having
seen its pixels, moves the next batches to OpenVINO where that pays (``runtimes.switch``), instead of running a
whole first batch on the slower eager path. Bounded queues keep memory flat. Frame timestamps are copied, so frame rate (constant or variable) and duration
are kept. The output is written under a temporary name and renamed at the end. A stage that fails (a full disk
while encoding, a corrupt packet) stops the other two at once: queue waits give up and the batch being stylized
is abandoned at its next layer (``animegan.inference.cancel``); a failed or interrupted run leaves neither a final
file nor its temporary file.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from animegan.atomic import atomic_path
from animegan.errors import InputError
from animegan.imageio import fit_max_side
from animegan.inference.cancel import InferenceCancel
from animegan.progress import make_progress
from animegan.video.encode import Encoder
from animegan.video.formats import AUDIO_COPY_OK
from animegan.video.frames import DecodedFrame, even, upright
from animegan.video.probe import estimated_frames, open_input, rotation_of

QUEUE_DEPTH = 8
POLL_SECONDS = 0.1
JOIN_SECONDS = 30.0  # a stage finishes the frame it holds within this once stopped
_END = object()

FramePostprocess = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (input rgb, stylized rgb) -> rgb
StylizeBatch = Callable[[list[np.ndarray]], list[np.ndarray]]


class Stopped(Exception):
    """Raised inside the pipeline's queue waits once it has been told to stop (a stage failed, or the caller)."""


class Stage(threading.Thread):
    """A daemon thread that records the exception that ended it and then stops the whole pipeline."""

    def __init__(self, target: Callable[[], None], name: str, stop: Callable[[], None]) -> None:
        super().__init__(name=name, daemon=True)
        self._work, self._stop_pipeline = target, stop
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._work()
        except Stopped:
            pass
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            self.error = exc
            self._stop_pipeline()


class VideoPipeline:
    """One video through decode -> ``stylize_batch`` -> ``postprocess`` hooks -> ``encoder``."""

    def __init__(
        self,
        container: av.container.InputContainer,
        encoder: Encoder,
        stylize_batch: StylizeBatch,
        batch_size: int,
        max_side: int | None,
        postprocess: Sequence[FramePostprocess],
        show_progress: bool = True,
    ) -> None:
        self.container, self.encoder, self.stylize_batch = container, encoder, stylize_batch
        self.batch_size, self.max_side, self.postprocess = batch_size, max_side, postprocess
        self.video_stream = container.streams.video[0]
        self.video_stream.thread_type = "AUTO"
        self.audio_stream = container.streams.audio[0] if container.streams.audio else None
        self.stop = threading.Event()
        self.cancel = InferenceCancel()  # made in the calling thread, which runs the inference
        self.decoded: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH * batch_size)
        self.stylized: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
        self.decoder = Stage(self._decode, "animegan-decode", self.halt)
        self.writer = Stage(self._encode, "animegan-encode", self.halt)
        self.frames_in = 0
        self.progress = make_progress(disable=not show_progress)
        self.task = self.progress.add_task("stylize", total=None, unit="frame")

    def halt(self) -> None:
        """Stop every stage now (from any thread): queue waits give up, the batch in inference is abandoned."""
        self.stop.set()
        self.cancel.arm()

    # ---- queues that give up as soon as the pipeline stops (a stage failed, or the calling thread) -----------
    def _put(self, q: queue.Queue, item: object) -> None:
        while not self.stop.is_set():
            try:
                q.put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue
        raise Stopped

    def _get(self, q: queue.Queue) -> object:
        while not self.stop.is_set():
            try:
                return q.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
        raise Stopped

    def _stage_error(self) -> BaseException:
        """The error that stopped the pipeline (the encoder's first: a full disk is the likelier cause)."""
        for stage in (self.writer, self.decoder):
            if stage.error is not None:
                return stage.error
        return RuntimeError("video pipeline stopped")

    # ---- the two threads --------------------------------------------------------------------------------
    def _decode(self) -> None:
        streams = [s for s in (self.video_stream, self.audio_stream) if s is not None]
        sequential = (
            "avi" in self.container.format.name
        )  # AVI stores no reliable pts with B-frames: number frames
        rotation: int | None = None
        last_pts: int | None = None
        index = 0
        for packet in self.container.demux(*streams):
            if self.stop.is_set():
                return
            if packet.stream.type == "audio":
                if packet.dts is not None:
                    self._put(self.decoded, ("audio", packet))
                continue
            for frame in packet.decode():
                rotation = rotation_of(frame) if rotation is None else rotation
                rgb = even(fit_max_side(upright(frame.to_ndarray(format="rgb24"), rotation), self.max_side))
                pts = frame.pts
                if sequential or pts is None or (last_pts is not None and pts <= last_pts):
                    pts = index if sequential or last_pts is None else last_pts + (frame.duration or 1)
                last_pts, index = pts, index + 1
                decoded = DecodedFrame(pts, frame.time_base or self.encoder.time_base, frame.duration, rgb)
                self._put(self.decoded, ("video", decoded))
        self._put(self.decoded, _END)

    def _encode(self) -> None:
        while (item := self._get(self.stylized)) is not _END:
            kind, payload = item
            if kind == "audio":
                self.encoder.write_audio(payload)
                continue
            for frame, rgb in zip(*payload, strict=True):
                for hook in self.postprocess:
                    rgb = hook(frame.rgb, rgb)
                self.encoder.write_frame(frame, rgb)
        self.encoder.finish()

    # ---- the calling thread: batched inference ------------------------------------------------------------
    def _infer(self, batch: list[DecodedFrame]) -> list[DecodedFrame]:
        """Stylize ``batch``, hand it to the encoder thread, advance the progress bar; returns a new empty batch."""
        if batch:
            try:
                outputs = self.stylize_batch([f.rgb for f in batch])
            except Exception:
                if self.stop.is_set():  # cancelled (or failed) because another stage failed: report that one
                    raise Stopped from None
                raise
            self._put(self.stylized, ("video", (list(batch), outputs)))
            self.frames_in += len(batch)
            self.progress.advance(self.task, len(batch))
        return []

    def run(self, src: Path) -> None:
        """Stylize the whole video; re-raises the first error of any stage; every thread has ended on return.

        A failing stage (a write error in the encoder, a decode error) stops the others at once: queue waits give
        up, the calling thread abandons the batch it is stylizing at its next layer, and the error is raised here.
        """
        self.decoder.start()
        self.writer.start()
        try:
            with self.progress:
                total = estimated_frames(self.video_stream, self.container)
                self.progress.update(self.task, description=f"stylize {src.name}", total=total)
                try:
                    self._feed(src)
                    self._wait_for_writer()
                except Stopped:
                    raise self._stage_error() from None
                self.progress.update(self.task, total=self.progress.tasks[self.task].completed)
        finally:
            self.stop.set()
            for stage in (self.decoder, self.writer):
                stage.join(timeout=JOIN_SECONDS)
            self.cancel.disarm()

    def _feed(self, src: Path) -> None:
        """Batch decoded frames through inference to the encoder thread, then tell it the end."""
        batch: list[DecodedFrame] = []
        while (item := self._get(self.decoded)) is not _END:
            kind, payload = item
            if kind == "audio":
                self._put(self.stylized, item)
                continue
            if batch and batch[0].rgb.shape != payload.rgb.shape:
                batch = self._infer(batch)
            batch.append(payload)
            if len(batch) >= (self.batch_size if self.frames_in else 1):  # the first frame alone (see above)
                batch = self._infer(batch)
        self._infer(batch)
        if self.frames_in == 0:
            raise InputError(f"{src}: no decodable video frames")
        self._put(self.stylized, _END)

    def _wait_for_writer(self) -> None:
        while self.writer.is_alive():
            self.writer.join(timeout=POLL_SECONDS)
        if self.writer.error is not None or self.decoder.error is not None:
            raise self._stage_error()


def _timing(container: av.container.InputContainer) -> tuple[Fraction, Fraction]:
    """(frame rate, time base) of the output video stream."""
    stream = container.streams.video[0]
    rate = stream.average_rate or stream.guessed_rate or Fraction(25)
    time_base = stream.time_base or Fraction(1, int(rate))
    if "avi" in container.format.name:
        time_base = 1 / Fraction(rate)
    return rate, time_base


def stylize_video(
    src: str | Path,
    dst: str | Path,
    stylize_batch: StylizeBatch,
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
    container = open_input(src)
    try:
        with atomic_path(dst) as tmp:
            rate, time_base = _timing(container)
            audio = container.streams.audio[0] if container.streams.audio else None
            encoder = Encoder(tmp, suffix, rate, time_base, crf, audio)
            try:
                pipeline = VideoPipeline(
                    container, encoder, stylize_batch, batch_size, max_side, postprocess, show_progress
                )
                pipeline.run(src)
            except BaseException:
                encoder.abort()
                raise
            encoder.close()
    except av.error.FFmpegError as exc:
        raise InputError(f"{src}: corrupt or unsupported video ({str(exc).splitlines()[0][:120]})") from None
    finally:
        container.close()
    return dst
