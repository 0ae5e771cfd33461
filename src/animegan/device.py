"""Devices: ``auto`` resolution with a clear error for a missing GPU, and the CPU's bf16 capability."""

from __future__ import annotations

import torch

from animegan.errors import AnimeGANError


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto`` -> cuda when available, else cpu; anything else as given."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise AnimeGANError(f"unknown device {device!r}; expected auto, cpu, cuda or cuda:N") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise AnimeGANError(
            f"device {device!r} requested but no CUDA GPU is available; use --device cpu or auto"
        )
    return resolved


def cpu_has_bf16() -> bool:
    """True when oneDNN reports native bf16 support (AVX512-BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False
