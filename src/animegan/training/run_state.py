"""What a checkpoint needs beyond Lightning's own state for a bit-identical resume: the data position in the
epoch and the random number generators (torch CPU and CUDA, numpy, Python).

Lightning saves the model, the optimizers, the schedulers, the AMP scaler, the loops' progress and the loaders'
``state_dict``; this callback marks the loader position after each training batch and adds the RNG states, which
it restores when training restarts (after the sanity check, so the extra validation of a resumed run draws
nothing from the generators the training steps use). At each stage start it also has loggers with ``drop_from``
(``training.csv_log``) forget rows at or after the step the run continues from.

The states are taken when a checkpoint is saved, after the other callbacks' ``on_save_checkpoint`` (the
generator export): nothing a save does may draw from these generators (``callbacks.export_generators`` keeps
its throwaway generator builds off them), or a run resumed from a mid-epoch stop, a save the uninterrupted run
never made, would be off by those draws.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch

from animegan.data.resumable import resumable_loaders
from animegan.training.timeline import logged_step

RNG_KEY = "animegan_rng"


def collect_rng_states() -> dict[str, Any]:
    """The generators' states as tensors and plain values (loadable with ``weights_only=True``)."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    states: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": [
            kind,
            torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            int(pos),
            int(has_gauss),
            float(gauss),
        ],
        "python": list(random.getstate()),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states: dict[str, Any]) -> None:
    """Put the generators back as ``collect_rng_states`` found them."""
    torch.set_rng_state(states["torch"])
    kind, keys, pos, has_gauss, gauss = states["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    version, internal, gauss_next = states["python"]
    random.setstate((version, tuple(internal), gauss_next))
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


class RunState(pl.Callback):
    """Marks the train loader's position after each batch; saves and restores the RNG states."""

    def __init__(self) -> None:
        self._pending: dict[str, Any] | None = None

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        epoch, consumed = trainer.current_epoch, batch_idx + 1
        if consumed >= trainer.num_training_batches:
            epoch, consumed = epoch + 1, 0  # the epoch is over: a resume starts the next one
        for loader in resumable_loaders(trainer.fit_loop._combined_loader):
            loader.mark(epoch, consumed)

    def on_save_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        checkpoint[RNG_KEY] = collect_rng_states()

    def on_load_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        self._pending = checkpoint.get(RNG_KEY)

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.is_global_zero:  # rows a killed run logged after its checkpoint are logged again from here
            for logger in trainer.loggers:
                if hasattr(logger, "drop_from"):
                    logger.drop_from(logged_step(trainer))
        self._restore()

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # a checkpoint from the end of its stage's last epoch trains nothing (on_train_start never runs): the
        # states must still come back, as the next stage (its discriminator's initialisation) draws from them
        self._restore()

    def _restore(self) -> None:
        if self._pending is not None:
            restore_rng_states(self._pending)
            self._pending = None
