"""Synthetic batches and a minimal Trainer for the training module's unit tests (shared by test_module, test_ema)."""

from __future__ import annotations

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset

from animegan.training.module import AnimeGANModule

SIZE = 32
# Small and offline; the plain (not fast) path unless a test asks for channels_last or fused Adam.
SMALL = [
    "model.vgg.weights=random",
    "model.discriminator.ch=16",
    "model.discriminator.n_dis=2",
    "model.val.style_sample=2",
    "model.fast.channels_last=false",
    "model.fast.fused_optimizer=false",
]


class SyntheticPairs(Dataset):
    def __init__(self, n: int, keys: tuple[str, ...]) -> None:
        self.n, self.keys = n, keys

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        g = torch.Generator().manual_seed(i)
        return {k: torch.rand(3, SIZE, SIZE, generator=g) * 2 - 1 for k in self.keys}


V2_KEYS = ("photo", "anime", "anime_gray", "smooth_gray")
V3_KEYS = (*V2_KEYS, "superpixel", "smooth")


class SyntheticData(pl.LightningDataModule):
    """Same batch contract as AnimeGANDataModule (``keys``: v2's, or V3_KEYS), random pixels."""

    def __init__(self, keys: tuple[str, ...] = V2_KEYS) -> None:
        super().__init__()
        self.keys = keys

    def train_dataloader(self) -> DataLoader:
        return DataLoader(SyntheticPairs(4, self.keys), batch_size=2)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(SyntheticPairs(2, ("photo",)), batch_size=2)

    def style_sample(self, n: int) -> torch.Tensor:
        return torch.rand(n, 3, SIZE, SIZE) * 2 - 1


def fit(module: AnimeGANModule, keys: tuple[str, ...] = V2_KEYS, **trainer_args) -> pl.Trainer:
    """One quiet CPU ``trainer.fit`` of ``module`` on SyntheticData(keys); ``trainer_args`` override."""
    args = {
        "accelerator": "cpu",
        "max_epochs": 1,
        "logger": False,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "enable_checkpointing": False,
        "num_sanity_val_steps": 0,
    }
    trainer = pl.Trainer(**(args | trainer_args))
    trainer.fit(module, datamodule=SyntheticData(keys))
    return trainer


def snapshot(network: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in network.state_dict().items()}


def changed(before: dict[str, torch.Tensor], network: torch.nn.Module) -> bool:
    return any(
        not torch.equal(before[k], v) for k, v in network.state_dict().items() if v.is_floating_point()
    )


class NormAtStep(pl.Callback):
    """The gradient norm each optimizer step really uses (a step pre-hook on the torch optimizers)."""

    def __init__(self) -> None:
        self.norms: list[float] = []

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        for optimizer in trainer.optimizers:
            optimizer.register_step_pre_hook(self._record)

    def _record(self, optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        self.norms.append(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item())
