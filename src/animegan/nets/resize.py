"""Bilinear resizing in the three conventions AnimeGAN weights were made with.

- ``align_corners``: PyTorch ``align_corners=True`` (the PyTorch port's forward; corners map onto corners).
- ``half_pixel``: PyTorch ``align_corners=False`` (pixel centres at +0.5, as TF2 and OpenCV do).
- ``tf1``: TF1's ``tf.image.resize_images`` default (``align_corners=False``, ``half_pixel_centers=False``): output
  pixel ``i`` reads input position ``i * in / out``, so a 2x upsampling maps ``[a, b]`` to ``[a, (a+b)/2, b, b]``.
  The original AnimeGAN v1/v2 TF graphs were trained and released with this one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

UPSAMPLE_MODES = ("align_corners", "half_pixel", "tf1")


def _every(x: torch.Tensor, dim: int, start: int | None, stop: int | None, step: int = 1) -> torch.Tensor:
    """``x[start:stop:step]`` along ``dim`` (written as slicing so that traced exports keep sizes dynamic)."""
    index = [slice(None)] * x.dim()
    index[dim] = slice(start, stop, step)
    return x[tuple(index)]


def _tf1_axis(x: torch.Tensor, dim: int, size: int) -> torch.Tensor:
    """TF1 legacy bilinear resize of ``x`` along ``dim`` (non-negative) to ``size`` samples."""
    length = x.shape[dim]
    if size == length:
        return x
    if size == 2 * length:  # the generators' upsampling: every input, then the midpoint towards its successor
        successor = torch.cat([_every(x, dim, 1, None), _every(x, dim, -1, None)], dim)
        midpoint = x + (successor - x) * 0.5
        return torch.stack([x, midpoint], dim=dim + 1).flatten(dim, dim + 1)
    if 2 * size == length:  # v1's halving of even sides: position 2i exactly, no interpolation
        return _every(x, dim, None, None, 2)
    scale = torch.tensor(length / size, dtype=torch.float32)  # TF computes the scale and positions in float32
    position = torch.arange(size, dtype=torch.float32) * scale
    lower = position.floor()
    upper = position.ceil().clamp(max=length - 1).long()
    shape = [1] * x.dim()
    shape[dim] = size
    lerp = (position - lower).to(x.device, x.dtype).reshape(shape)
    low = x.index_select(dim, lower.long().to(x.device))
    high = x.index_select(dim, upper.to(x.device))
    return low + (high - low) * lerp


def resize(x: torch.Tensor, size: tuple[int, int] | torch.Size, mode: str) -> torch.Tensor:
    """Bilinear resize of an NCHW tensor to ``size`` (height, width) in ``mode`` (see the module docstring)."""
    if mode == "tf1":
        return _tf1_axis(_tf1_axis(x, 3, int(size[1])), 2, int(size[0]))
    if mode in ("align_corners", "half_pixel"):
        return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=mode == "align_corners")
    raise ValueError(f"unknown upsampling mode {mode!r}; expected one of {', '.join(UPSAMPLE_MODES)}")


def upsample2x(x: torch.Tensor, mode: str) -> torch.Tensor:
    """Bilinear x2 upsampling of an NCHW tensor in ``mode`` (sizes stay symbolic in traced exports)."""
    if mode == "tf1":
        return _tf1_axis(_tf1_axis(x, 3, 2 * x.shape[3]), 2, 2 * x.shape[2])
    if mode in ("align_corners", "half_pixel"):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=mode == "align_corners")
    raise ValueError(f"unknown upsampling mode {mode!r}; expected one of {', '.join(UPSAMPLE_MODES)}")
