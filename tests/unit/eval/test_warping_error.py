"""The warping error (Lai et al. 2018) on sequences whose motion is known: a shift of a real photo."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from animegan.eval.warping_error import non_occluded, optical_flow, warp, warping_error

DX, DY = 3, 2  # the view moves right/down by this per frame: content moves left/up


def shifted_views(count: int = 5, size: tuple[int, int] = (96, 128)) -> list[np.ndarray]:
    photo = data.astronaut()
    h, w = size
    return [
        photo[100 + DY * t : 100 + DY * t + h, 150 + DX * t : 150 + DX * t + w].copy() for t in range(count)
    ]


def test_flow_of_a_known_shift_is_that_shift() -> None:
    frames = shifted_views(2)
    flow = optical_flow(frames[1], frames[0])  # frame 1 at p is frame 0 at p + (DX, DY)
    centre = flow[16:-16, 16:-16].reshape(-1, 2)
    assert np.allclose(np.median(centre, axis=0), [DX, DY], atol=0.25)


def test_warp_samples_at_the_flow() -> None:
    image = np.arange(6 * 8 * 3, dtype=np.float32).reshape(6, 8, 3)
    flow = np.zeros((6, 8, 2), np.float32)
    flow[..., 0] = 3
    warped = warp(image, flow)
    assert np.array_equal(warped[:, :5], image[:, 3:])
    assert np.isnan(warped[:, 5:]).all()  # outside the frame: no value, excluded from the error


def test_forward_backward_check() -> None:
    forward = np.zeros((10, 12, 2), np.float32)
    forward[...] = (2, 1)
    consistent = non_occluded(forward, -forward)
    assert consistent[:-1, :-2].all()  # every pixel whose target lies inside the frame
    assert not consistent[-1].any() and not consistent[:, -2:].any()
    # a backward flow that does not undo the forward one: |f + b|^2 = 20 > 0.01 * 10 + 0.5
    assert not non_occluded(forward, forward).any()


def test_a_perfectly_warped_sequence_has_almost_no_error_and_flicker_has_a_lot() -> None:
    inputs = shifted_views()
    outputs = [255 - frame for frame in inputs]  # a per-pixel "style": moves exactly with the content
    flicker = [
        np.clip(o.astype(int) + (20 if t % 2 else -20), 0, 255).astype(np.uint8)
        for t, o in enumerate(outputs)
    ]
    consistent, flickering = warping_error(inputs, outputs), warping_error(inputs, flicker)
    assert consistent < 2.0
    assert flickering > 30.0
    assert warping_error(inputs, outputs, squared=True) < 2e-4 < warping_error(inputs, flicker, squared=True)


def test_occluded_pixels_do_not_count() -> None:
    inputs = shifted_views(2)
    outputs = [255 - frame for frame in inputs]
    spoiled = outputs[1].copy()
    spoiled[:, -DX:] = 0  # newly revealed strip on the right: not visible in frame 0
    assert warping_error(inputs, [outputs[0], spoiled]) == pytest.approx(
        warping_error(inputs, outputs), abs=0.3
    )


def test_lengths_must_agree() -> None:
    frames = shifted_views(2)
    with pytest.raises(ValueError, match="2 input frames but 1 output"):
        warping_error(frames, frames[:1])
