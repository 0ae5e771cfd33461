"""The webcam tab's loop body (no Gradio): each frame downscaled for speed, stylized on the fastest execution
path of the device (``precision=auto``: fp16 on CUDA, bf16 channels_last on CPUs with bf16), and timed."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import numpy as np

from animegan.imageio import fit_max_side


class FpsMeter:
    """Frames per second over the last ``window`` frames, from the wall clock between finished frames."""

    def __init__(self, window: int = 20, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self._ends: deque[float] = deque(maxlen=window)
        self._work: deque[float] = deque(maxlen=window)

    def add(self, started: float) -> None:
        """Record a frame whose processing started at ``started`` (a value of ``clock``) and ended now."""
        now = self.clock()
        self._ends.append(now)
        self._work.append(now - started)

    @property
    def fps(self) -> float | None:
        """Frames delivered per second (None until two frames are done)."""
        if len(self._ends) < 2 or self._ends[-1] == self._ends[0]:
            return None
        return (len(self._ends) - 1) / (self._ends[-1] - self._ends[0])

    @property
    def model_fps(self) -> float:
        """Frames per second the stylization alone could deliver (mean processing time)."""
        return len(self._work) / sum(self._work) if self._work and sum(self._work) else 0.0

    def summary(self, shape: tuple[int, ...], precision: str) -> str:
        delivered = f"{self.fps:.1f} fps" if self.fps is not None else "- fps"
        return f"{delivered} ({self.model_fps:.1f} fps stylizing {shape[1]}x{shape[0]}, {precision})"


class LiveLoop:
    """Webcam frames one by one: ``step(frame, stylize, precision) -> (stylized, speed line)``."""

    def __init__(self, max_side: int) -> None:
        self.max_side = max_side
        self.meter = FpsMeter()

    def step(
        self, rgb: np.ndarray, stylize: Callable[[np.ndarray], np.ndarray], precision: str
    ) -> tuple[np.ndarray, str]:
        started = self.meter.clock()
        out = stylize(fit_max_side(np.ascontiguousarray(rgb[..., :3]), self.max_side))
        self.meter.add(started)
        return out, self.meter.summary(out.shape, precision)
