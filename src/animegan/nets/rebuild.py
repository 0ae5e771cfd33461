"""Pickling networks by constructor arguments + state (spectral-norm parametrizations do not pickle themselves)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class PicklesByConfig:
    """Mixin for an ``nn.Module`` whose ``config`` dict holds its constructor arguments (ddp_spawn, deepcopy)."""

    config: dict[str, Any]

    def __reduce__(self) -> tuple:
        assert isinstance(self, nn.Module)
        frozen = [name for name, p in self.named_parameters() if not p.requires_grad]
        return rebuild, (type(self), self.config, self.state_dict(), self.training, frozen)


def rebuild(
    cls: type[nn.Module], config: dict, state: dict[str, torch.Tensor], training: bool, frozen: list[str]
) -> nn.Module:
    """The module ``cls(**config)`` with ``state`` loaded, its train mode and frozen parameters restored."""
    module = cls(**config)
    module.load_state_dict(state)
    for name, parameter in module.named_parameters():
        parameter.requires_grad_(name not in frozen)
    return module.train(training)
