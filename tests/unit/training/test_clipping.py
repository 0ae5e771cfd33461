"""clip_unscaled with a real torch.amp.GradScaler on CPU: the clipped norm of a known gradient, plain and fused."""

from __future__ import annotations

import pytest
import torch

from animegan.training.clipping import clip_unscaled

SCALE = 2.0**10
KNOWN = torch.tensor([3.0, 4.0, 12.0])  # norm 13


def scaled_gradient(fused: bool) -> tuple[torch.nn.Parameter, torch.optim.Optimizer, torch.amp.GradScaler]:
    """A parameter whose gradient is KNOWN, back-propagated through a GradScaler at SCALE."""
    weight = torch.nn.Parameter(torch.zeros(3))
    optimizer = torch.optim.SGD([weight], lr=0.1, fused=fused)
    scaler = torch.amp.GradScaler("cpu", init_scale=SCALE)
    scaler.scale((weight * KNOWN).sum()).backward()
    torch.testing.assert_close(weight.grad, KNOWN * SCALE)
    return weight, optimizer, scaler


@pytest.mark.parametrize("fused", [False, True])
def test_clip_sees_unscaled_gradients_and_the_step_uses_the_clipped_ones(fused: bool) -> None:
    weight, optimizer, scaler = scaled_gradient(fused)
    if not fused:
        scaler.unscale_(
            optimizer
        )  # what Lightning does for a plain optimizer before on_before_optimizer_step
    norm = clip_unscaled(optimizer, 1.0, scaler)
    assert norm.item() == pytest.approx(13.0, rel=1e-6)  # the true norm, not 13 * SCALE
    torch.testing.assert_close(weight.grad, KNOWN / 13.0)
    assert weight.grad.norm().item() == pytest.approx(1.0, rel=1e-6)
    scaler.step(optimizer)  # no second unscale: the update is lr * clipped gradient
    scaler.update()
    torch.testing.assert_close(weight.detach(), -0.1 * KNOWN / 13.0)


def test_without_a_scaler_it_clips_plainly_and_leaves_small_gradients() -> None:
    weight = torch.nn.Parameter(torch.zeros(3))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    (weight * KNOWN).sum().backward()
    assert clip_unscaled(optimizer, 100.0).item() == pytest.approx(13.0)
    torch.testing.assert_close(weight.grad, KNOWN)  # under the limit: unchanged
    assert clip_unscaled(optimizer, 6.5).item() == pytest.approx(13.0)
    torch.testing.assert_close(weight.grad, KNOWN / 2)
