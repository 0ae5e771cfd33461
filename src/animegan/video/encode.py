"""The output side of the video pipeline: an ``Encoder`` owning the output container and its streams.

Video: H.264 yuv420p at a CRF (VP9 for webm), timestamps copied from the source frames. Audio: the source stream
copied packet by packet, or re-encoded only when the output container cannot hold its codec (webm: opus).
The streams are opened on the first stylized frame, when the output size is known; audio packets that arrive
before it are held back.

A write that fails (disk full, file too large, I/O error) raises a plain ``OSError`` with its errno: PyAV's own
``av.error.OSError`` is also an ``FFmpegError``, which callers take for a corrupt input.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from animegan.video.formats import AUDIO_COPY_OK, AUDIO_REENCODE, VIDEO_CODEC
from animegan.video.frames import DecodedFrame

OPUS_RATES = (8000, 12000, 16000, 24000, 48000)


def write_errors_as_os_errors(method: Callable) -> Callable:
    """Re-raise PyAV's I/O errors of ``method`` as builtin ``OSError`` (same errno, message and file name)."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except av.error.OSError as exc:
            raise OSError(exc.errno, exc.strerror, exc.filename) from None

    return wrapper


class Encoder:
    """Encode stylized frames and the source's audio into ``path`` (container chosen by ``suffix``)."""

    @write_errors_as_os_errors
    def __init__(
        self,
        path: Path,
        suffix: str,
        rate: Fraction,
        time_base: Fraction,
        crf: int,
        audio_source: av.audio.stream.AudioStream | None,
    ) -> None:
        self.suffix, self.rate, self.time_base, self.crf = suffix, rate, time_base, crf
        self.audio_source = audio_source
        self.output = av.open(str(path), mode="w", format=None)
        self.video: av.video.stream.VideoStream | None = None
        self.audio: av.audio.stream.AudioStream | None = None
        self.copy_audio = False
        self._held_audio: list[av.Packet] = []

    @property
    def opened(self) -> bool:
        """True once the streams exist (after the first frame)."""
        return self.video is not None

    def open(self, height: int, width: int) -> None:
        """Add the video stream (and the audio stream, if the source has one) for frames of this size."""
        codec = VIDEO_CODEC.get(self.suffix, "libx264")
        options = {"crf": str(self.crf)}
        if codec == "libvpx-vp9":
            options |= {"b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}
        else:
            options |= {"preset": "veryfast"}
        video = self.output.add_stream(codec, rate=self.rate, options=options)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.time_base = 1 / Fraction(self.rate) if self.suffix == ".avi" else self.time_base
        self.video = video
        if self.audio_source is not None:
            self._open_audio(self.audio_source)
        for packet in self._held_audio:
            self.write_audio(packet)
        self._held_audio.clear()

    def _open_audio(self, source: av.audio.stream.AudioStream) -> None:
        allowed = AUDIO_COPY_OK.get(self.suffix)
        name = source.codec_context.codec.canonical_name
        if allowed is None or name in allowed:
            self.audio, self.copy_audio = self.output.add_stream_from_template(source), True
            return
        codec = AUDIO_REENCODE.get(self.suffix, "aac")
        rate = source.codec_context.sample_rate or 48000
        if codec == "libopus" and rate not in OPUS_RATES:
            rate = 48000
        self.audio = self.output.add_stream(codec, rate=rate)
        self.audio.layout = source.codec_context.layout.name if source.codec_context.layout else "stereo"

    @write_errors_as_os_errors
    def write_frame(self, frame: DecodedFrame, rgb: np.ndarray) -> None:
        """Encode one stylized frame with the timing of its source frame (opens the streams on the first)."""
        if self.video is None:
            self.open(*rgb.shape[:2])
        video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        video_frame.pts, video_frame.time_base = frame.pts, frame.time_base
        if frame.duration:
            video_frame.duration = frame.duration
        for packet in self.video.encode(video_frame):
            self.output.mux(packet)

    @write_errors_as_os_errors
    def write_audio(self, packet: av.Packet) -> None:
        """Copy (or re-encode) one source audio packet; held back until the streams are open."""
        if self.video is None:
            self._held_audio.append(packet)
            return
        if self.copy_audio:
            packet.stream = self.audio
            self.output.mux(packet)
            return
        for frame in packet.decode():
            frame.pts = None
            for out_packet in self.audio.encode(frame):
                self.output.mux(out_packet)

    @write_errors_as_os_errors
    def finish(self) -> None:
        """Flush the encoders (call once, after the last frame)."""
        if self.video is not None:
            for packet in self.video.encode(None):
                self.output.mux(packet)
        if self.audio is not None and not self.copy_audio:
            for packet in self.audio.encode(None):
                self.output.mux(packet)

    @write_errors_as_os_errors
    def close(self) -> None:
        """Write the trailer and close the file."""
        self.output.close()

    def abort(self) -> None:
        """Close after a failure: the file is discarded, so errors while closing (the same full disk) are ignored."""
        try:
            self.output.close()
        except (av.error.FFmpegError, OSError):
            pass
