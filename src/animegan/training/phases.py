"""Training stages as data (stylegan2-ada style): which network each phase trains, with which loss and lr."""

from __future__ import annotations

from dataclasses import dataclass

STAGES = ("pretrain", "adversarial")


@dataclass(frozen=True)
class Phase:
    """One optimizer update per batch: ``trains`` is the attribute of the network it updates, ``loss`` the
    criterion method that computes its loss, ``lr`` the key of ``model.optim`` holding its learning rate."""

    name: str
    trains: str
    loss: str
    lr: str


PHASES: dict[str, tuple[Phase, ...]] = {
    "pretrain": (Phase("g", trains="generator", loss="pretrain", lr="init_lr"),),
    "adversarial": (
        Phase("d", trains="discriminator", loss="discriminator_loss", lr="d_lr"),
        Phase("g", trains="generator", loss="generator_loss", lr="g_lr"),
    ),
}


def phases_of(stage: str) -> tuple[Phase, ...]:
    """The phases of ``stage``; a clear error for an unknown stage name."""
    if stage not in PHASES:
        raise ValueError(f"unknown training stage {stage!r}; expected one of {', '.join(STAGES)}")
    return PHASES[stage]
