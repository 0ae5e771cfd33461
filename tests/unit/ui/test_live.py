"""The webcam loop: frames downscaled for speed, fps from the wall clock, the speed line."""

from __future__ import annotations

import numpy as np
import pytest

from animegan.ui.live import FpsMeter, LiveLoop


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_fps_meter_counts_delivered_frames_and_model_time() -> None:
    clock = FakeClock()
    meter = FpsMeter(window=3, clock=clock)
    assert meter.fps is None
    for _ in range(5):  # a frame every 0.5 s, 0.25 s of it stylizing
        started = clock.now
        clock.now += 0.25
        meter.add(started)
        clock.now += 0.25
    assert meter.fps == pytest.approx(2.0)
    assert meter.model_fps == pytest.approx(4.0)
    assert meter.summary((48, 64, 3), "bf16") == "2.0 fps (4.0 fps stylizing 64x48, bf16)"


def test_live_loop_downscales_and_drops_alpha() -> None:
    loop = LiveLoop(max_side=64)
    seen = []

    def stylize(rgb: np.ndarray) -> np.ndarray:
        seen.append(rgb.shape)
        return 255 - rgb

    out, line = loop.step(np.zeros((480, 640, 4), np.uint8), stylize, "fp32")
    assert seen == [(48, 64, 3)] and out.shape == (48, 64, 3) and out.min() == 255
    assert line.endswith("stylizing 64x48, fp32)")
