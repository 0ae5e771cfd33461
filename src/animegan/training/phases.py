"""Training stages as data (stylegan2-ada style): each phase holds the network it trains, its loss and its lr.

The criterion declares the phases of each stage (``Criterion.stage_phases``): v1/v2 update D then G on one
G(photo); v3 updates G, then D on G's output recomputed with the updated G.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torch import nn

from animegan.training.criterion import Batch, Criterion, LossAndLogs

STAGES = ("pretrain", "adversarial")
PHASE_NAMES = {"generator": "g", "discriminator": "d"}  # the short names in logged keys (loss_g, lr_d, ...)


@dataclass(frozen=True)
class Phase:
    """One optimizer update per batch: ``network`` is updated with ``loss(batch, fake)`` at learning rate ``lr``.

    ``regenerate``: the module recomputes G's output (without a graph) before this phase.
    """

    name: str
    network: nn.Module
    loss: Callable[[Batch, Any], LossAndLogs]
    lr: float
    regenerate: bool = False


def check_stage(stage: str) -> str:
    """``stage`` itself; a clear error for an unknown stage name."""
    if stage not in STAGES:
        raise ValueError(f"unknown training stage {stage!r}; expected one of {', '.join(STAGES)}")
    return stage


def trains_discriminator(stage: str) -> bool:
    """Whether ``stage`` has a discriminator phase (the pretrain stage builds no discriminator)."""
    return check_stage(stage) == "adversarial"


def stage_phases(
    stage: str, generator: nn.Module, criterion: Criterion, lr: Mapping[str, float]
) -> tuple[Phase, ...]:
    """The phases of ``stage`` in the criterion's order, bound to the networks; ``lr`` is ``model.optim``."""
    networks = {"generator": generator, "discriminator": criterion.discriminator}
    return tuple(
        Phase(
            PHASE_NAMES[spec.network],
            networks[spec.network],
            getattr(criterion, spec.loss),
            float(lr[spec.lr]),
            spec.regenerate,
        )
        for spec in criterion.stage_phases[check_stage(stage)]
    )
