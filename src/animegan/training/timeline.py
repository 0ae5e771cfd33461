"""One step timeline for the loggers across the stages of a run (each stage is its own ``trainer.fit``).

Lightning logs at ``fit_loop.epoch_loop._batches_that_stepped``: one step per batch whatever the number of
optimizers, saved in checkpoints (resume restores it) but starting at 0 in every new Trainer. A fresh stage
starts where the previous one ended, so pretrain logs steps 0..n-1 and the adversarial stage n, n+1, ...
"""

from __future__ import annotations

import pytorch_lightning as pl


def logged_step(trainer: pl.Trainer) -> int:
    """The step the loggers receive for what is logged now (batches trained so far in the run)."""
    return int(trainer.fit_loop.epoch_loop._batches_that_stepped)


def start_at(trainer: pl.Trainer, step: int) -> None:
    """Make a fresh ``trainer`` log from ``step`` on (a checkpoint it resumes from restores its own count)."""
    trainer.fit_loop.epoch_loop._batches_that_stepped = int(step)
