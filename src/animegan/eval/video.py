"""``animegan eval --video CLIP``: the warping error (``warping_error``: flow on the input frames, forward-backward
occlusion mask, mean |O_t - warp(O_{t-1})| on 0..255) of the plain stylized clip, of ``--temporal`` (the
flow-guided blending ``stylize --temporal`` runs) and of the input itself (what flow and resampling leave)."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from animegan.errors import InputError
from animegan.eval.warping_error import warping_error
from animegan.inference.stylizer import Stylizer
from animegan.progress import make_progress
from animegan.video.probe import read_frames
from animegan.video.temporal import TemporalSmoother

BATCH = 4


def clip_frames(clip: str | Path, limit: int | None) -> list[np.ndarray]:
    """The decoded RGB frames of ``clip`` (the first ``limit``); InputError in one line if fewer than 2."""
    clip = Path(clip)
    if not clip.is_file():
        raise InputError(f"{clip}: video file not found")
    try:
        frames = list(islice(read_frames(clip), limit))
    except Exception as exc:  # PyAV raises its own error types for unreadable files
        raise InputError(f"{clip}: not a readable video ({type(exc).__name__}: {exc})") from None
    if len(frames) < 2:
        raise InputError(f"{clip}: {len(frames)} frame(s); the warping error needs at least 2")
    return frames


def stylize_frames(stylizer: Stylizer, frames: list[np.ndarray], quiet: bool) -> list[np.ndarray]:
    """Every frame through ``stylizer`` in batches, with a progress bar."""
    out: list[np.ndarray] = []
    with make_progress(disable=quiet) as progress:
        task = progress.add_task("stylize frames", total=len(frames), unit="frame")
        for start in range(0, len(frames), BATCH):
            out.extend(stylizer.stylize_batch(frames[start : start + BATCH]))
            progress.advance(task, len(frames[start : start + BATCH]))
    return out


def evaluate_video(
    clip: str | Path,
    weights: str,
    temporal: bool = False,
    device: str = "auto",
    limit: int | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """The warping errors of ``clip`` stylized by ``weights``: input, plain and (with ``temporal``) smoothed."""
    frames = clip_frames(clip, limit)
    stylizer = Stylizer.from_weights(weights, device=device, quiet=quiet)
    plain = stylize_frames(stylizer, frames, quiet)
    record: dict[str, Any] = {
        "clip": str(clip),
        "model": str(weights),
        "frames": len(frames),
        "size": f"{frames[0].shape[1]}x{frames[0].shape[0]}",
        "measure": "warping error (Lai et al. 2018), mean |O_t - warp(O_t-1)| on 0..255, non-occluded pixels",
        "warping_error_input": warping_error(frames, frames),
        "warping_error_plain": warping_error(frames, plain),
    }
    if temporal:
        smoother = TemporalSmoother()
        smoothed = [smoother(f, o) for f, o in zip(frames, plain, strict=True)]
        record["warping_error_temporal"] = warping_error(frames, smoothed)
    return record
