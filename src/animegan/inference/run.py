"""A stylize run: planned jobs (images, videos) through one Stylizer, faces pasted back, failures classified.

The caller (the CLI, a UI, a script) receives what happens through ``RunEvents``: each finished output, each
failure as one line, each note. One bad input never stops the others; a full or failing output disk does
(``STOP_ERRNOS``: every later write would fail too), with one more line saying how many inputs were left.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from animegan.errors import AnimeGANError
from animegan.imageio import Animation, fit_max_side, read_image, write_animation, write_image
from animegan.inference.colors import ColorAdjust
from animegan.inference.options import StylizeOptions
from animegan.inference.plan import Job, kind_of, plan
from animegan.inference.runtimes.warm_start import WarmStylizer, open_warm, remember
from animegan.progress import make_progress

if TYPE_CHECKING:
    from animegan.inference.stylizer import Stylizer

# write errors after which the run stops: a full disk or quota, a read-only or failing device. EFBIG (file too
# large for this file system or ulimit -f) is per file: the next, smaller output may fit.
STOP_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


FacePaste = Callable[
    [np.ndarray, np.ndarray], tuple[np.ndarray, list[str]]
]  # (input, stylized) -> (out, notes)


class RunEvents(Protocol):
    """Receives the outcome of every input as it happens."""

    def done(self, job: Job) -> None: ...

    def failed(self, message: str) -> None: ...

    def note(self, source: Path, message: str) -> None: ...


@dataclass
class RunSummary:
    """How many inputs were stylized and how many failed."""

    done: int
    failed: int


def describe_failure(job: Job, exc: Exception) -> str | None:
    """One line for an error of ``job`` that a user can act on; None for an unexpected error (a bug: re-raise)."""
    if isinstance(exc, AnimeGANError):
        message = str(exc)
        return message if str(job.source) in message else f"{job.source}: {message}"
    if isinstance(exc, OSError):
        return f"{job.source}: cannot write {job.target} ({exc.strerror or exc})"
    if isinstance(exc, RuntimeError | MemoryError):  # out of memory, mostly
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
        return f"{job.source}: inference failed ({first}); for large inputs try --tile 512 or --max-side"
    return None


def stops_the_run(exc: Exception) -> bool:
    """True for a write error that every later output would hit too (see ``STOP_ERRNOS``)."""
    return isinstance(exc, OSError) and exc.errno in STOP_ERRNOS


def output_root_problem(output: Path, single_file_target: bool) -> str | None:
    """One line if the output folder cannot be created or written, else None."""
    folder = output.parent if single_file_target else output
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"{folder}: cannot create the output folder ({exc.strerror or exc})"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder}: output folder is not writable"
    return None


class StylizeRun:
    """Stylizes jobs one by one with a shared Stylizer; the face model is loaded once, when first needed."""

    def __init__(
        self,
        options: StylizeOptions,
        stylizer: Stylizer | WarmStylizer,
        events: RunEvents,
        face_stylizer: Stylizer | None = None,
    ) -> None:
        self.options, self.stylizer, self.events = options, stylizer, events
        self.colors = ColorAdjust(options.strength, options.keep_colors)  # last step of every image and frame
        self._face_stylizer = face_stylizer

    def face_stylizer(self) -> Stylizer:
        """The face model's Stylizer, loaded when first needed."""
        from animegan.inference.stylizer import Stylizer  # deferred: PyTorch (see ``load_stylizer``)

        opts = self.options
        if self._face_stylizer is None:
            self._face_stylizer = Stylizer.from_weights(
                opts.face_weights,
                device=opts.device,
                precision=opts.precision,
                base_url=opts.url,
                quiet=opts.quiet,
                **opts.switch_args(),
            )
        return self._face_stylizer

    def face_paster(self, video: bool):
        """A new FacePaster for one input (tracking state is per video)."""
        from animegan.faces.paste import FacePaster  # deferred: dlib and the face models, only with --faces

        return FacePaster(face_stylizer=self.face_stylizer(), detector=self.options.detector, video=video)

    def _fitted(self, rgb: np.ndarray, alpha: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        rgb = fit_max_side(rgb, self.options.max_side)
        if alpha is not None and alpha.shape != rgb.shape[:2]:
            alpha = fit_max_side(alpha[..., None].repeat(3, axis=2), self.options.max_side)[..., 0]
        return rgb, alpha

    def stylize_array(self, rgb: np.ndarray, paster: FacePaste | None = None) -> tuple[np.ndarray, list[str]]:
        """One RGB uint8 image: generator, faces pasted back (by ``paster``, or a still-image paster when
        ``options.faces``), then colours and strength; returns it with the paster's notes."""
        out, notes = self.stylizer(rgb), []
        if paster is None and self.options.faces:
            paster = self.face_paster(video=False)
        if paster is not None:
            out, notes = paster(rgb, out)
        return self.colors(rgb, out), notes

    def image(self, job: Job) -> None:
        loaded = read_image(job.source, max_pixels=self.options.max_pixels)
        if loaded.animation is not None:
            self.animation(job, loaded.animation)
            return
        rgb, alpha = self._fitted(loaded.rgb, loaded.alpha)
        out, notes = self.stylize_array(rgb)
        for note in notes:
            self.events.note(job.source, note)
        write_image(job.target, out, alpha)

    def animation(self, job: Job, animation: Animation) -> None:
        """Every frame of an animated GIF/PNG/WebP, written back with its timing (faces tracked as in a video)."""
        paster = self.face_paster(video=True) if self.options.faces else None
        notes: list[str] = []
        frames, alphas = [], []
        for index, frame in enumerate(animation.frames):
            rgb, alpha = self._fitted(frame, animation.alphas[index] if animation.alphas else None)
            out, found = self.stylize_array(rgb, paster)
            notes += [note for note in found if note not in notes]
            frames.append(out)
            alphas.append(alpha)
        for note in notes:
            self.events.note(job.source, note)
        stylized = replace(animation, frames=frames, alphas=alphas if animation.alphas else None)
        if not write_animation(job.target, stylized):
            self.events.note(
                job.source, f"{job.target.suffix} holds one image: only the first frame was written"
            )

    def video(self, job: Job) -> None:
        # deferred: PyAV and OpenCV's optical flow load only when a video is among the inputs
        from animegan.video.pipeline import stylize_video
        from animegan.video.temporal import TemporalSmoother

        opts = self.options
        hooks = []
        paster = self.face_paster(video=True) if opts.faces else None
        if paster is not None:
            hooks.append(lambda original, stylized: paster(original, stylized)[0])
        if opts.temporal:
            hooks.append(TemporalSmoother())
        if not self.colors.is_identity:
            hooks.append(self.colors)
        stylize_video(
            job.source, job.target, self.stylizer.stylize_batch, batch_size=opts.batch, crf=opts.crf,
            max_side=opts.max_side, postprocess=hooks, show_progress=not opts.quiet,
        )  # fmt: skip
        if paster is not None:
            self.events.note(job.source, paster.timings.summary())

    def process(self, jobs: list[Job]) -> int:
        """Run every job (one failure event each); returns how many succeeded."""
        done = 0
        images = sum(job.kind == "image" for job in jobs)
        with make_progress(disable=self.options.quiet or images < 2) as progress:
            task = progress.add_task("stylize images", total=images, unit="img")
            for index, job in enumerate(jobs):
                try:
                    (self.image if job.kind == "image" else self.video)(job)
                except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM: the caller says which input was cut short
                    exc.add_note(f"while stylizing {job.source}")
                    raise
                except Exception as exc:  # noqa: BLE001 - classified; unexpected ones re-raised
                    message = describe_failure(job, exc)
                    if message is None:
                        raise
                    self.events.failed(message)
                    if stops_the_run(exc):
                        self._stopped(job, exc, left=len(jobs) - index - 1)
                        break
                else:
                    done += 1
                    self.events.done(job)
                if job.kind == "image":
                    progress.advance(task)
        return done

    def _stopped(self, job: Job, exc: OSError, left: int) -> None:
        if left:
            self.events.failed(
                f"{job.target.parent}: stopping, writing there fails ({exc.strerror or exc}); "
                f"{left} remaining input(s) not stylized"
            )


def load_stylizer(options: StylizeOptions) -> Stylizer:
    """The scene Stylizer of ``options`` (weights resolved, downloaded once if a released name)."""
    # deferred: PyTorch's import (about 1 s) is skipped where the warm start serves the run
    from animegan.inference.stylizer import Stylizer

    return Stylizer.from_weights(
        options.weights, device=options.device, precision=options.precision, base_url=options.url,
        quiet=options.quiet, compile=options.compile, runtime=options.runtime, **options.plan_args(),
    )  # fmt: skip


def stylize_all(
    inputs: list[str | Path], output: str | Path, options: StylizeOptions, events: RunEvents
) -> RunSummary:
    """Plan the jobs, check the output folder, load the weights, stylize everything that can be."""
    output = Path(output)
    jobs, failures = plan(inputs, output)
    for failure in failures:
        events.failed(str(failure))
    done = 0
    if jobs:
        single = len(inputs) == 1 and not Path(inputs[0]).is_dir() and kind_of(output) is not None
        problem = output_root_problem(output, single)
        stylizer = None
        if problem is None:
            try:
                images_only = all(job.kind == "image" for job in jobs)
                stylizer = (open_warm(options) if images_only else None) or load_stylizer(options)
            except AnimeGANError as exc:
                problem = str(exc)
        if problem is not None:
            events.failed(problem)
        else:
            done = StylizeRun(options, stylizer, events).process(jobs)
            if not isinstance(stylizer, WarmStylizer):
                remember(stylizer, options)  # the next process with these weights starts without PyTorch
    return RunSummary(done, len(failures) + len(jobs) - done)


__all__ = ["RunEvents", "RunSummary", "StylizeOptions", "StylizeRun", "describe_failure", "stylize_all"]
