"""What each rank of a distributed run saw and ended with (an extra callback): per training batch, a digest of
its photos and of the trained weights after the step, as JSON lines in ``dirpath/rank<global rank>.jsonl``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytorch_lightning as pl
import torch


def digest(tensors: list[torch.Tensor]) -> str:
    h = hashlib.sha256()
    for tensor in tensors:
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


class RankProbe(pl.Callback):
    def __init__(self, dirpath: str) -> None:
        self.dirpath = Path(dirpath)

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        networks = [pl_module.generator] + ([pl_module.discriminator] if pl_module.discriminator else [])
        record = {
            "rank": trainer.global_rank,
            "world": trainer.world_size,
            "stage": pl_module.stage,
            "batch": batch_idx,
            "photos": digest([batch["photo"]]),
            "weights": digest([p for net in networks for p in net.parameters()]),
        }
        self.dirpath.mkdir(parents=True, exist_ok=True)
        with (self.dirpath / f"rank{trainer.global_rank}.jsonl").open("a") as handle:
            handle.write(json.dumps(record) + "\n")
