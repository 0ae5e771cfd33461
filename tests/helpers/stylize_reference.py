"""An independent stylize path for tests: reflect-pad bottom/right to a multiple of 4, PyTorch fp32, crop, round."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def reference_stylize(generator: torch.nn.Module, rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB -> uint8 RGB through ``generator`` in fp32, written without the Stylizer's code."""
    h, w = rgb.shape[:2]
    x = torch.tensor(rgb, dtype=torch.float64).permute(2, 0, 1)[None].float() / 127.5 - 1
    x = F.pad(x, (0, (-w) % 4, 0, (-h) % 4), mode="reflect")
    with torch.no_grad():
        y = generator(x)[0, :, :h, :w]
    return ((y.permute(1, 2, 0).numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
