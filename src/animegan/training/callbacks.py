"""Callbacks of a training run: generator.pt export, validation sample grids + distances, atomic checkpoints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from lightning_fabric.plugins.io.torch_io import TorchCheckpointIO
from pytorch_lightning.loggers import TensorBoardLogger, WandbLogger
from torchvision.utils import make_grid

from animegan.atomic import atomic_path
from animegan.imageio import write_image
from animegan.pixel_scale import to_byte
from animegan.training.ema import averaged, ema_path
from animegan.training.timeline import logged_step
from animegan.weights.io import save_generator


class AtomicCheckpointIO(TorchCheckpointIO):
    """Checkpoints written under a temporary name and renamed: a killed run never leaves a torn last.ckpt."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        with atomic_path(path) as tmp:
            super().save_checkpoint(checkpoint, tmp, storage_options)


def export_generators(pl_module: pl.LightningModule, path: str | Path) -> list[Path]:
    """``generator.pt`` at ``path`` and, with a generator EMA that has a step, ``generator_ema.pt`` beside it.

    The run's random numbers are left as they were: ``save_generator`` builds throwaway generators (its config
    check, v3's ``deploy()``), whose initialisation draws from the global torch generator. Exports run at every
    checkpoint, so those draws would put a run resumed from a mid-epoch stop (a checkpoint the uninterrupted run
    never wrote) off by them: the adversarial stage's discriminator, initialised from that generator, would differ.
    """
    with torch.random.fork_rng(devices=[]):  # CPU generator; the throwaway generators are built on the CPU
        written = [save_generator(pl_module.generator, path)]
        ema = averaged(getattr(pl_module, "generator_ema", None))
        if ema is not None:
            written.append(save_generator(ema, ema_path(path)))
    return written


class GeneratorExport(pl.Callback):
    """Writes ``generator.pt`` (plain state dict; + ``generator_ema.pt``) at every checkpoint and stage end."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _export(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.is_global_zero:
            export_generators(pl_module, self.path)

    def on_save_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict
    ) -> None:
        self._export(trainer, pl_module)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._export(trainer, pl_module)


def to_uint8_grid(photo: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Photos in the first row, their stylizations in the second; [-1, 1] floats -> (3, H, W) uint8."""
    grid = make_grid(torch.cat([photo, fake]).float(), nrow=len(photo), padding=2, pad_value=1.0)
    return to_byte(grid)


class SampleGrid(pl.Callback):
    """After each validation: a PNG grid under ``dirpath``, the grid to the logger, distances to a JSONL file.

    The grid made by the sanity check before training is named ``<stage>_start``: it shows where a stage begins.
    """

    def __init__(self, dirpath: str | Path, distances_file: str | Path | None) -> None:
        self.dirpath = Path(dirpath)
        self.distances_file = Path(distances_file) if distances_file else None

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        summary = getattr(pl_module, "val_summary", {})
        if not trainer.is_global_zero or "photo" not in summary:
            return
        stage = getattr(pl_module, "stage", "train")
        when = "start" if trainer.sanity_checking else f"e{trainer.current_epoch:03d}"
        step = logged_step(
            trainer
        )  # the loss curves' step (batches so far in the run), continued across stages
        name = f"{stage}_{when}_s{step:06d}"
        grid = to_uint8_grid(summary["photo"], summary["fake"])
        path = self.dirpath / f"{name}.png"
        write_image(path, grid.permute(1, 2, 0).numpy())
        distances = {k: v for k, v in summary.items() if k.endswith("_distance")}
        if self.distances_file:
            record = {
                "stage": stage,
                "epoch": trainer.current_epoch,
                "step": step,
                "when": when,
            }
            self.distances_file.parent.mkdir(parents=True, exist_ok=True)
            with self.distances_file.open("a") as handle:
                handle.write(json.dumps(record | distances) + "\n")
        for logger in trainer.loggers:
            if isinstance(logger, WandbLogger):
                logger.log_image(key=f"samples/{stage}", images=[str(path)], step=step, caption=[name])
            elif isinstance(logger, TensorBoardLogger):
                logger.experiment.add_image(f"samples/{stage}", grid, step)
