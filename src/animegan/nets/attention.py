"""AnimeGANv3's external attention (``External_attention_v3``): one memory M (c x k) serves as keys and values.

Q = W1 X; A = softmax over the N positions of Q M (for each image and memory unit); each position's row is then
divided by (1e-9 + its sum over the k units); Y = A M^T; out = lrelu(BN(W2 Y) + X).

Batch norm at inference, as the reference code behaves: its inference graph owns a second, never-trained copy of
the BN tensors (gamma 1, beta 0, mean 0, variance 1), so every exported or validated v3 image normalises with
``y / sqrt(1 + 1e-3)`` instead of the trained running statistics (reference section 1.5). ``eval_norm="reference"``
(the default) reproduces that; ``"running"`` is the textbook batch norm with the trained running statistics.
Training always uses the batch statistics and updates the running ones (momentum 0.001 = decay 0.999).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from animegan.nets.lade import LRELU_SLOPE, at_least_float32, xavier_conv
from animegan.nets.pinning import PinnableStatistics

MEMORY_UNITS = 128
BN_EPS = 1e-3
BN_MOMENTUM = 1e-3  # PyTorch's momentum = 1 - TF decay 0.999
ROW_EPS = 1e-9
EVAL_NORMS = ("reference", "running")


class AttentionBatchNorm(nn.BatchNorm2d):
    """BatchNorm2d(eps 1e-3, momentum 0.001); in eval, ``reference`` applies the untrained constants 1/sqrt(1.001)."""

    def __init__(self, channels: int, eval_norm: str = "reference") -> None:
        if eval_norm not in EVAL_NORMS:
            raise ValueError(f"unknown eval_norm {eval_norm!r}; expected one of {EVAL_NORMS}")
        super().__init__(channels, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.eval_norm = eval_norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training or self.eval_norm == "running":
            return super().forward(x)
        return x * (1.0 / math.sqrt(1.0 + self.eps))


class ExternalAttention(PinnableStatistics):
    """External attention over ``channels`` features with ``memory`` units (tied keys and values)."""

    def __init__(self, channels: int = 128, memory: int = MEMORY_UNITS, eval_norm: str = "reference") -> None:
        super().__init__()
        self.query = xavier_conv(channels, channels, 1)
        self.memory = nn.Parameter(torch.empty(channels, memory))
        bound = math.sqrt(6.0 / (channels + memory))  # Glorot uniform, fan_in = c, fan_out = k
        nn.init.uniform_(self.memory, -bound, bound)
        self.project = xavier_conv(channels, channels, 1)
        self.norm = AttentionBatchNorm(channels, eval_norm)

    def attention_map(self, x: torch.Tensor) -> torch.Tensor:
        """The normalised attention A (B x N x k) of input ``x`` (B x c x h x w)."""
        query = self.query(x).flatten(2).transpose(1, 2)  # B x N x c
        logits = at_least_float32(query @ self.memory.to(query.dtype))  # B x N x k
        log_norm = self.statistic("log_norm", lambda: torch.logsumexp(logits, dim=1, keepdim=True))
        attention = torch.exp(logits - log_norm)  # softmax over the N positions
        return attention / (ROW_EPS + attention.sum(dim=2, keepdim=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attention = self.attention_map(x).to(x.dtype)
        values = attention @ self.memory.t().to(x.dtype)  # B x N x c
        y = self.norm(self.project(values.transpose(1, 2).reshape(x.shape)))
        return F.leaky_relu(y + x, LRELU_SLOPE)
