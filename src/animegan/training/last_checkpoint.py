"""``last.ckpt`` at every epoch end, also with ``save_top_k=0`` (our default: one rolling checkpoint per stage).

Lightning 2.6's ``ModelCheckpoint`` writes ``last.ckpt`` at an epoch end only when a top-k checkpoint was written
at the same step, so with ``save_top_k=0`` a stage saved nothing before its end: a run killed mid-stage
(SIGKILL, power loss) lost the whole stage. Here a top-k of zero counts as written, so ``last.ckpt`` follows.
"""

from __future__ import annotations

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint
from torch import Tensor


class LastCheckpoint(ModelCheckpoint):
    """``ModelCheckpoint`` whose ``save_last`` does not wait for a top-k checkpoint of the same step."""

    def _save_topk_checkpoint(self, trainer: pl.Trainer, monitor_candidates: dict[str, Tensor]) -> None:
        super()._save_topk_checkpoint(trainer, monitor_candidates)
        if self.save_top_k == 0 and self.save_last:
            self._last_global_step_saved = trainer.global_step  # "saved": _save_last_checkpoint runs next
