"""Faults injected into a real training run (configured as an extra callback): a data file lost mid-epoch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytorch_lightning as pl


class LoseFile(pl.Callback):
    """Delete (``how="delete"``) or overwrite with noise (``"garble"``) the photo that the epoch's last batch will
    read, after the first batch (``at="batch"``) or at the epoch start, before DataLoader workers prefetch
    (``at="epoch"``); its path is written to ``record``."""

    def __init__(self, how: str, record: str, at: str = "batch") -> None:
        self.how, self.record, self.at, self.done = how, Path(record), at, False

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module) -> None:
        if self.at == "epoch":
            self._lose(trainer)

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        if self.at == "batch" and batch_idx == 0:
            self._lose(trainer)

    def _lose(self, trainer: pl.Trainer) -> None:
        if self.done:
            return
        datamodule = trainer.datamodule
        sampler = datamodule.train_sampler()
        sampler.set_epoch(trainer.current_epoch)
        rows = sampler.epoch_plan()[sampler.rank :: sampler.num_replicas]
        photo = datamodule.photos[int(rows[-1][0])]  # read by the last batch, after the prefetched one
        if self.how == "delete":
            photo.unlink()
        else:
            photo.write_bytes(np.random.default_rng(0).integers(0, 256, 999, dtype=np.uint8).tobytes())
        self.record.write_text(str(photo))
        self.done = True
