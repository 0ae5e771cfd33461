"""What the web UI does for a request, without Gradio: weights cached by name, size limits, images and videos
through the same StylizeRun as ``animegan stylize`` (faces, keep colours, strength)."""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from animegan.errors import InputError
from animegan.inference.options import StylizeOptions
from animegan.inference.plan import Job
from animegan.inference.run import StylizeRun
from animegan.inference.stylizer import Stylizer
from animegan.ui.live import LiveLoop
from animegan.video.probe import open_input
from animegan.weights import released


@dataclass(frozen=True)
class Limits:
    """What one request may ask for, and how many may wait (the server's protection against huge uploads and
    floods: a request beyond ``max_queue`` waiting ones is refused at once with Gradio's "Queue is full! Please
    try again." instead of piling up)."""

    max_pixels: int = 16_000_000  # per image or video frame
    max_video_seconds: float = 30.0
    max_file_size: str = "200mb"  # refused by the server before the upload completes
    live_max_side: int = 384  # webcam frames are downscaled to this longer side (speed)
    max_queue: int = 16  # requests waiting (all events together) beyond the one(s) running


@dataclass(frozen=True)
class Request:
    """The settings of one stylize request; the defaults are the API's (only the image is required)."""

    weights: str
    strength: float = StylizeOptions.strength
    keep_colors: bool = StylizeOptions.keep_colors
    faces: bool = StylizeOptions.faces


class _Notes:
    """RunEvents collecting notes (faces found, timings) for the page."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def done(self, job) -> None:
        pass

    def failed(self, message: str) -> None:
        raise InputError(message)

    def note(self, source: Path, message: str) -> None:
        self.lines.append(message)


class Engine:
    """Stylizers cached per weights; one request at a time per event (Gradio queues the rest)."""

    def __init__(self, options: StylizeOptions, weights: list[str], limits: Limits = Limits()) -> None:
        self.options, self.limits = dataclasses.replace(options, quiet=True), limits
        self.choices = list(dict.fromkeys([*weights, *released.RELEASED]))
        self.default_weights = weights[0] if weights else (released.default_cached() or self.choices[0])
        self._stylizers: dict[str, Stylizer] = {}
        self._face_stylizer: Stylizer | None = None
        self._live: LiveLoop | None = None
        self.output_dir = Path(tempfile.mkdtemp(prefix="animegan-ui-"))

    def label(self, weights: str) -> str:
        """How a weights choice is shown: the file name of a local file, else the released name."""
        path = Path(weights)
        return f"{path.name} (local file)" if path.is_file() else weights

    def stylizer(self, weights: str) -> Stylizer:
        if weights not in self._stylizers:
            opts = self.options
            self._stylizers[weights] = Stylizer.from_weights(
                weights, device=opts.device, precision=opts.precision, base_url=opts.url, quiet=True,
                **opts.plan_args(),
            )  # fmt: skip
        return self._stylizers[weights]

    def _run(self, request: Request, notes: _Notes) -> StylizeRun:
        options = dataclasses.replace(
            self.options, strength=request.strength, keep_colors=request.keep_colors, faces=request.faces
        )
        run = StylizeRun(options, self.stylizer(request.weights), notes, face_stylizer=self._face_stylizer)
        if request.faces:
            self._face_stylizer = run.face_stylizer()
        return run

    def check_pixels(self, height: int, width: int, what: str) -> None:
        if height * width > self.limits.max_pixels:
            raise InputError(
                f"{what} of {width}x{height} = {width * height:,} pixels is over this server's limit of "
                f"{self.limits.max_pixels:,} pixels; downscale it, or start `animegan ui --max-pixels N`"
            )

    def image(self, rgb: np.ndarray, request: Request) -> tuple[np.ndarray, list[str]]:
        """The stylized image at the input's size, and notes."""
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise InputError(f"expected an RGB image, got an array of shape {rgb.shape}")
        self.check_pixels(*rgb.shape[:2], "the image")
        return self._run(request, _Notes()).stylize_array(np.ascontiguousarray(rgb, dtype=np.uint8))

    def live(self, rgb: np.ndarray, request: Request) -> tuple[np.ndarray, str]:
        """One webcam frame, downscaled and stylized; and the speed so far (fps)."""
        run = self._run(request, _Notes())
        self._live = self._live or LiveLoop(self.limits.live_max_side)
        return self._live.step(rgb, lambda small: run.stylize_array(small)[0], run.stylizer.precision)

    def video(self, source: Path, request: Request) -> tuple[Path, list[str]]:
        """The stylized video (sound kept) in the UI's output folder, and notes."""
        with open_input(source) as container:
            stream = container.streams.video[0]
            seconds = container.duration / 1_000_000 if container.duration else 0.0
            self.check_pixels(stream.codec_context.height, stream.codec_context.width, "the video frame")
        if seconds > self.limits.max_video_seconds:
            raise InputError(
                f"the video lasts {seconds:.1f} s, over this server's limit of {self.limits.max_video_seconds:g} s; "
                "cut it, or use `animegan stylize` for long videos"
            )
        target = Path(tempfile.mkdtemp(dir=self.output_dir)) / f"{source.stem}_anime.mp4"
        notes = _Notes()
        self._run(request, notes).video(Job(source, target, "video"))
        return target, notes.lines
