"""Temporal smoothing: less flicker on a static noisy scene, no ghosting on moving content."""

from __future__ import annotations

import numpy as np
import torch

from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV2
from animegan.video.temporal import TemporalSmoother, flicker


def noisy_static_frames(rng, count=10, shape=(64, 80)):
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    scene = np.stack([xs * 3, ys * 3, (xs + ys) * 1.5], axis=2) % 256
    return [np.clip(scene + rng.normal(0, 6, scene.shape), 0, 255).astype(np.uint8) for _ in range(count)]


def test_flicker_measure():
    a = np.zeros((4, 4, 3), np.uint8)
    assert flicker([a, a + 10, a]) == 10.0 and flicker([a]) == 0.0


def test_static_noisy_scene_flickers_less(rng):
    torch.manual_seed(0)
    stylizer = Stylizer(GeneratorV2(), device="cpu", precision="fp32")
    frames = noisy_static_frames(rng)
    plain = stylizer.stylize_batch(frames)
    smoother = TemporalSmoother()
    smoothed = [smoother(f, s) for f, s in zip(frames, plain, strict=True)]
    assert flicker(plain) > 0
    assert flicker(smoothed) < 0.75 * flicker(plain)


def moving_square(count=8, size=(64, 96), side=16, step=6):
    """A bright square moving smoothly, then jumping to places the flow cannot follow."""
    frames = []
    positions = [(24, 4 + step * i) for i in range(count)] + [(4, 70), (40, 10), (8, 40), (44, 76)]
    for top, left in positions:
        frame = np.full((*size, 3), 40, np.uint8)
        frame[top : top + side, left : left + side] = 220
        frames.append(frame)
    return frames


def test_moving_content_leaves_no_ghost():
    """With an identity 'stylizer' the smoothed video must stay the input: a trail would show as a difference."""
    frames = moving_square()
    smoother = TemporalSmoother()
    smoothed = [smoother(f, f) for f in frames]
    worst = max(np.abs(s.astype(int) - f.astype(int)).mean() for s, f in zip(smoothed, frames, strict=True))
    assert worst < 1.0
    blind = TemporalSmoother(tolerance=1e9)  # no occlusion mask: ghosts where the flow is wrong
    blind_out = [blind(f, f) for f in frames]
    assert (
        max(np.abs(s.astype(int) - f.astype(int)).mean() for s, f in zip(blind_out, frames, strict=True))
        > worst
    )
