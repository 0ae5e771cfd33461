"""FID and KID between two sets of features (rows), with torchmetrics' pieces.

FID: the Frechet distance of the two Gaussians fitted to the features (unbiased covariances), torchmetrics'
``_compute_fid`` (the trace of the matrix square root from the eigenvalues of the covariance product).
KID (Binkowski et al. 2018): the unbiased MMD^2 with the cubic polynomial kernel ``(x.y / d + 1)^3``,
torchmetrics' ``poly_mmd``, over ``subsets`` random subsets of ``subset_size`` rows of each set: mean and
standard deviation, as torchmetrics' ``KernelInceptionDistance`` and the original TF code report them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torchmetrics.image.fid import _compute_fid
from torchmetrics.image.kid import poly_mmd


@dataclass(frozen=True)
class KID:
    """Mean and standard deviation of the MMD^2 over the subsets."""

    mean: float
    std: float


def _as_tensor(features: np.ndarray | torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(np.asarray(features), dtype=torch.float64)


def fid(a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor) -> float:
    """Frechet distance between the Gaussians of the rows of ``a`` and of ``b`` (at least 2 rows each)."""
    x, y = _as_tensor(a), _as_tensor(b)
    if len(x) < 2 or len(y) < 2:
        raise ValueError(f"FID needs at least 2 feature rows per set, got {len(x)} and {len(y)}")
    value = _compute_fid(x.mean(0), torch.cov(x.T), y.mean(0), torch.cov(y.T))
    return float(value)


def kid(
    a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor, subset_size: int, subsets: int, seed: int = 0
) -> KID:
    """KID of ``a`` against ``b``: MMD^2 (unbiased, cubic kernel) over ``subsets`` draws of ``subset_size`` rows."""
    x, y = _as_tensor(a), _as_tensor(b)
    if subset_size < 2 or min(len(x), len(y)) < subset_size:
        raise ValueError(
            f"KID with subsets of {subset_size} needs at least that many rows per set, got {len(x)} and {len(y)}"
        )
    generator = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(subsets):
        xs = x[torch.randperm(len(x), generator=generator)[:subset_size]]
        ys = y[torch.randperm(len(y), generator=generator)[:subset_size]]
        values.append(poly_mmd(xs, ys))
    stacked = torch.stack(values)
    return KID(float(stacked.mean()), float(stacked.std(unbiased=False)))
