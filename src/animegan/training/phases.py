"""Training stages as data (stylegan2-ada style): each phase holds the network it trains, its loss and its lr."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import nn

from animegan.training.criterion import AnimeGANCriterion, Batch, LossAndLogs

STAGES = ("pretrain", "adversarial")


@dataclass(frozen=True)
class Phase:
    """One optimizer update per batch: ``network`` is updated with ``loss(batch, fake)`` at learning rate ``lr``."""

    name: str
    network: nn.Module
    loss: Callable[[Batch, torch.Tensor], LossAndLogs]
    lr: float


def check_stage(stage: str) -> str:
    """``stage`` itself; a clear error for an unknown stage name."""
    if stage not in STAGES:
        raise ValueError(f"unknown training stage {stage!r}; expected one of {', '.join(STAGES)}")
    return stage


def trains_discriminator(stage: str) -> bool:
    """Whether ``stage`` has a discriminator phase (the pretrain stage builds no discriminator)."""
    return check_stage(stage) == "adversarial"


def stage_phases(
    stage: str, generator: nn.Module, criterion: AnimeGANCriterion, lr: Mapping[str, float]
) -> tuple[Phase, ...]:
    """The phases of ``stage`` in their order: pretrain G; or D then G. ``lr`` is ``model.optim``."""
    if not trains_discriminator(stage):
        return (Phase("g", generator, criterion.pretrain, float(lr["init_lr"])),)
    return (
        Phase("d", criterion.discriminator, criterion.discriminator_loss, float(lr["d_lr"])),
        Phase("g", generator, criterion.generator_loss, float(lr["g_lr"])),
    )
