"""An extra callback for preemption tests: at one step of one stage it writes a marker file and holds the run
until a signal has arrived (sent by the test from outside), so the signal lands at a known step."""

from __future__ import annotations

import time
from pathlib import Path

import pytorch_lightning as pl

from animegan.training.preemption import stop_request
from animegan.training.timeline import logged_step


class HoldAt(pl.Callback):
    """After training step ``step`` (1-based, on the run's timeline) of ``stage``: touch ``marker``, wait for a signal."""

    def __init__(self, stage: str, step: int, marker: str, wait_s: float = 120.0) -> None:
        self.stage, self.step, self.marker, self.wait_s = stage, int(step), Path(marker), wait_s

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        # logged_step counts the steps before this one until on_train_batch_end has returned
        if pl_module.stage != self.stage or logged_step(trainer) + 1 != self.step:
            return
        self.marker.touch()
        deadline = time.monotonic() + self.wait_s
        while stop_request.signum is None and time.monotonic() < deadline:
            time.sleep(0.02)
