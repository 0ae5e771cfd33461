"""The standard temporal-consistency measure of a processed video: the warping error (Lai et al., "Learning
Blind Video Temporal Consistency", ECCV 2018).

Optical flow is computed on the INPUT frames (OpenCV DIS), from frame t to frame t-1 and back; a pixel counts
only where the two flows agree (the forward-backward check of Sundaram et al. 2010, as Lai et al. use it:
``|f + b(x + f)|^2 < 0.01 (|f|^2 + |b(x + f)|^2) + 0.5``), i.e. it is visible in both frames. The error of frame
t is the mean over those pixels (and channels) of ``|O_t - warp(O_{t-1})|``, where the previous OUTPUT is warped
onto frame t along the input's flow; the video's error is the mean over t. On the 0..255 scale by default;
``squared=True`` gives Lai et al.'s squared form on the 0..1 scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

CONSISTENCY_RELATIVE = 0.01  # the forward-backward check's tolerances (Sundaram et al. 2010)
CONSISTENCY_ABSOLUTE = 0.5  # squared pixels


def optical_flow(source_rgb: np.ndarray, target_rgb: np.ndarray) -> np.ndarray:
    """Dense flow (H x W x 2, x then y) with ``source(p) ~ target(p + flow(p))``: OpenCV DIS, medium preset."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    source = cv2.cvtColor(source_rgb, cv2.COLOR_RGB2GRAY)
    target = cv2.cvtColor(target_rgb, cv2.COLOR_RGB2GRAY)
    return dis.calc(source, target, None)


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``image`` sampled at p + flow(p) (bilinear, float32): ``image`` brought onto the flow's source frame;
    NaN where p + flow(p) falls outside the image."""
    h, w = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    map_x, map_y = xs + flow[..., 0], ys + flow[..., 1]
    warped = cv2.remap(
        image.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    outside = (map_x < 0) | (map_x > w - 1) | (map_y < 0) | (map_y > h - 1)
    warped[outside] = np.nan
    return warped


def non_occluded(flow: np.ndarray, back_flow: np.ndarray) -> np.ndarray:
    """Boolean H x W mask: where ``flow`` (t -> t-1) and ``back_flow`` (t-1 -> t) pass the consistency check
    and ``flow`` stays inside the frame."""
    back = warp(back_flow, flow)  # the backward flow at p + flow(p)
    inside = np.isfinite(back).all(axis=2)
    back = np.nan_to_num(back)
    mismatch = np.sum((flow + back) ** 2, axis=2)
    bound = CONSISTENCY_RELATIVE * (np.sum(flow**2, axis=2) + np.sum(back**2, axis=2)) + CONSISTENCY_ABSOLUTE
    return inside & (mismatch < bound)


def frame_error(
    inputs: tuple[np.ndarray, np.ndarray], outputs: tuple[np.ndarray, np.ndarray], squared: bool = False
) -> float:
    """Warping error of output frame t against t-1, given (input t-1, input t) and (output t-1, output t)."""
    (previous_in, current_in), (previous_out, current_out) = inputs, outputs
    flow = optical_flow(current_in, previous_in)
    mask = non_occluded(flow, optical_flow(previous_in, current_in))
    warped = warp(previous_out, flow)
    difference = current_out.astype(np.float32) - warped
    if squared:
        return float(np.mean(np.sum((difference[mask] / 255.0) ** 2, axis=-1))) if mask.any() else 0.0
    return float(np.mean(np.abs(difference[mask]))) if mask.any() else 0.0


def warping_error(
    inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray], squared: bool = False
) -> float:
    """Mean warping error of RGB uint8 ``outputs`` over consecutive pairs, flow from the RGB ``inputs``."""
    if len(inputs) != len(outputs):
        raise ValueError(f"{len(inputs)} input frames but {len(outputs)} output frames")
    errors = [
        frame_error((inputs[t - 1], inputs[t]), (outputs[t - 1], outputs[t]), squared)
        for t in range(1, len(inputs))
    ]
    return float(np.mean(errors)) if errors else 0.0
