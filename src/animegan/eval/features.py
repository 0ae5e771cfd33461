"""Images -> FID Inception pool3 features (N x 2048, float64), batched, with a progress bar."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from animegan.progress import make_progress

BATCH = 16


def to_unit_batch(images: Sequence[np.ndarray]) -> torch.Tensor:
    """RGB uint8 HxWx3 images of one size -> float NCHW in [0, 1] (the network resizes to 299 itself)."""
    batch = torch.from_numpy(np.ascontiguousarray(np.stack(images)))
    return batch.permute(0, 3, 1, 2).float().div_(255.0)


def extract(
    network: nn.Module,
    images: Sequence[np.ndarray],
    what: str = "features",
    device: str | torch.device = "cpu",
    batch: int = BATCH,
    quiet: bool = False,
) -> np.ndarray:
    """Pool3 features of ``images`` (all of one size), one row each, in order."""
    network = network.to(device)
    rows: list[np.ndarray] = []
    with make_progress(disable=quiet) as progress, torch.inference_mode():
        task = progress.add_task(f"inception {what}", total=len(images), unit="img")
        for start in range(0, len(images), batch):
            chunk = to_unit_batch(images[start : start + batch]).to(device)
            rows.append(network(chunk)[0].flatten(1).double().cpu().numpy())
            progress.advance(task, len(chunk))
    return np.concatenate(rows) if rows else np.zeros((0, 2048))
