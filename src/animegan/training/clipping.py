"""Gradient-norm clipping that always sees unscaled gradients, also under fp16 AMP with manual optimization.

Under ``precision=16-mixed`` the loss is multiplied by the GradScaler's scale before backward. Lightning unscales
a plain optimizer's gradients inside ``optimizer.step()``, just before the ``on_before_optimizer_step`` hook, and
leaves a fused optimizer's to its fused kernel (so its clipping helper refuses fused optimizers). This is called
from that hook: it unscales a fused optimizer itself (the scaler then steps it without a second unscale), then
clips the norm of the true gradients.
"""

from __future__ import annotations

import torch
from lightning_fabric.plugins.precision.amp import _optimizer_handles_unscaling


def clip_unscaled(
    optimizer: torch.optim.Optimizer, max_norm: float, scaler: torch.amp.GradScaler | None = None
) -> torch.Tensor:
    """Clip the total gradient norm of ``optimizer``'s parameters to ``max_norm``; return the norm before clipping.

    ``scaler``: the precision plugin's GradScaler (None without fp16 AMP). Call it where Lightning has already
    unscaled a plain optimizer (``on_before_optimizer_step``).
    """
    if scaler is not None and scaler.is_enabled() and _optimizer_handles_unscaling(optimizer):
        scaler.unscale_(optimizer)
    params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
    return torch.nn.utils.clip_grad_norm_(params, float(max_norm))
