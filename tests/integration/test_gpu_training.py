"""More CUDA training paths: the generator EMA and a resume from last.ckpt. Marked ``gpu`` (skipped without CUDA);
they reuse the CPU tests' synthetic data and fit helper, with ``accelerator="gpu"``."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from helpers.synthetic_training import SMALL, SyntheticData, fit, snapshot
from pytorch_lightning.callbacks import ModelCheckpoint

from animegan.training.runner import build_module

pytestmark = pytest.mark.gpu
GPU = {
    "accelerator": "gpu",
    "devices": 1,
    "precision": "16-mixed",
    "limit_train_batches": 2,
    "limit_val_batches": 0,
}


class StepAtStart(pl.Callback):
    """Records the trainer's global step when fitting starts."""

    def __init__(self) -> None:
        self.step: int | None = None

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.step = trainer.global_step


def test_generator_ema_on_gpu_follows_the_generator(cfg) -> None:
    module = build_module(cfg(*SMALL, "model.ema.decay=0.5"), "adversarial")
    assert module.generator_ema is not None
    before = snapshot(module.generator_ema.module)
    fit(module, **GPU)
    after = module.generator_ema.module.state_dict()
    assert any(not torch.equal(before[k], after[k].cpu()) for k in before)
    assert all(torch.isfinite(v).all() for v in after.values() if v.is_floating_point())
    assert module.generator_ema.n_averaged.item() > 0


def test_resume_from_last_ckpt_on_gpu_continues_at_the_same_global_step(cfg, tmp_path: Path) -> None:
    saving = ModelCheckpoint(dirpath=tmp_path, save_last=True, save_top_k=0)
    first = fit(
        build_module(cfg(*SMALL), "adversarial"), **GPU, enable_checkpointing=True, callbacks=[saving]
    )
    last = tmp_path / "last.ckpt"
    saved = torch.load(last, map_location="cpu", weights_only=True)["global_step"]
    assert saved == first.global_step > 0
    start = StepAtStart()
    resumed = pl.Trainer(**GPU, max_epochs=2, logger=False, enable_progress_bar=False, callbacks=[start])
    resumed.fit(
        build_module(cfg(*SMALL), "adversarial"),
        datamodule=SyntheticData(),
        ckpt_path=last,
    )
    assert start.step == saved and resumed.global_step > saved
