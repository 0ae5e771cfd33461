"""Generator EMA (beyond the reference, as in the StyleGAN family): an exponential moving average of G's weights.

torch's ``AveragedModel`` with ``get_ema_multi_avg_fn``: the first update copies G, every later one moves the
average towards G: ``ema = decay * ema + (1 - decay) * weights``, once per batch after the generator's step.
The average lives in the LightningModule (so checkpoints hold it and resume restores it), is what validation
samples are drawn from, and is written as ``generator_ema.pt`` next to ``generator.pt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

EMA_FILE = "generator_ema.pt"
EMA_PREFIX = "generator_ema."


class EmaUpdate:
    """torch's ``get_ema_multi_avg_fn(decay)`` as a picklable object: DDP's spawn start method pickles the module,
    and torch's function is a closure."""

    def __init__(self, decay: float) -> None:
        self.decay = decay
        self._update = get_ema_multi_avg_fn(decay)  # built once, not at every generator step

    def __reduce__(self) -> tuple[type, tuple[float]]:
        return EmaUpdate, (self.decay,)  # pickled by its decay: the closure is rebuilt on the other side

    def __call__(self, *args: object) -> None:
        self._update(*args)


def make_ema(generator: nn.Module, decay: float | None) -> AveragedModel | None:
    """A frozen average of ``generator`` (its buffers included), or None when ``decay`` is None."""
    if decay is None:
        return None
    if not 0.0 < float(decay) < 1.0:
        raise ValueError(f"model.ema.decay={decay}: expected a number in (0, 1), e.g. 0.999, or null (off)")
    ema = AveragedModel(generator, multi_avg_fn=EmaUpdate(float(decay)), use_buffers=True)
    return ema.requires_grad_(False).eval()


def averaged(ema: AveragedModel | None) -> nn.Module | None:
    """The averaged generator once it has seen a step, else None."""
    return ema.module if ema is not None and int(ema.n_averaged) > 0 else None


def ema_path(generator_path: str | Path) -> Path:
    """Where the average is written: ``generator_ema.pt`` next to ``generator.pt``."""
    return Path(generator_path).with_name(EMA_FILE)


def align_checkpoint(state: dict[str, torch.Tensor], ema: AveragedModel | None) -> None:
    """Make a checkpoint's state dict fit a module with or without EMA (a run may switch it on at resume).

    Without EMA its keys are dropped; with EMA but none saved, the average restarts from the saved generator.
    """
    if ema is None:
        for key in [k for k in state if k.startswith(EMA_PREFIX)]:
            del state[key]
        return
    if any(k.startswith(EMA_PREFIX) for k in state):
        return
    state[EMA_PREFIX + "n_averaged"] = torch.zeros_like(ema.n_averaged)
    generator: Mapping[str, torch.Tensor] = {
        k[len("generator.") :]: v for k, v in state.items() if k.startswith("generator.")
    }
    state.update({f"{EMA_PREFIX}module.{k}": v for k, v in generator.items()})


def checkpoint_ema(checkpoint: str | Path) -> dict[str, torch.Tensor] | None:
    """The averaged generator's weights in a Lightning checkpoint of our module (None when it has no EMA),
    keyed as the generator's own; read with ``weights_only=True``."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    prefix = f"{EMA_PREFIX}module."
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)} or None
