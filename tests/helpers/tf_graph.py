"""A reference forward of the TF1 AnimeGAN generators (v1 and v2) for tests, written from the TF code's semantics.

NHWC tensors throughout; ``tf.pad(..., "REFLECT")`` exactly where ``net/generator.py`` pads; VALID convolutions
with [kh, kw, in, out] kernels; ``tf.image.resize_images`` as TF1 computes it (position ``i * in / out``, no
half-pixel offset, the four neighbours blended top-left/top-right first); ``tf.contrib.layers.layer_norm`` over
(H, W, C) with epsilon 1e-12; instance norm over (H, W) with epsilon 1e-5 (``tools/ops.py``) or 1e-6 (contrib's
default, v1's separable convs); ``tf.nn.leaky_relu(0.2)``. Variables are created on first use with the names TF
gives them: ``tf.contrib.layers`` numbers repeated layers of one scope ``Conv``, ``Conv_1``, ... (and the norms
likewise), explicit scopes nest. Nothing here comes from the package's converter or generators.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F


class TFGraph:
    """Variables by TF name (random He-normal kernels, norm scales near 1 on first use) and TF1 ops on NHWC."""

    def __init__(self, seed: int = 0, variables: dict[str, np.ndarray] | None = None) -> None:
        self.rng = np.random.default_rng(seed)
        self.variables: dict[str, np.ndarray] = dict(variables or {})
        self.scopes: list[str] = []
        self.counters: dict[str, Counter] = {}

    @contextmanager
    def scope(self, name: str):
        self.scopes.append(name)
        try:
            yield
        finally:
            self.scopes.pop()

    def unique(self, default: str) -> str:
        """A contrib layer's default scope name, numbered per enclosing scope."""
        counter = self.counters.setdefault("/".join(self.scopes), Counter())
        n = counter[default]
        counter[default] += 1
        return default if n == 0 else f"{default}_{n}"

    def var(self, name: str, shape: tuple[int, ...], kind: str) -> torch.Tensor:
        full = "/".join([*self.scopes, name])
        if full not in self.variables:
            if kind == "kernel":
                fan_in = int(np.prod(shape[:-1])) if shape[-1] != 1 else shape[0] * shape[1]
                value = self.rng.normal(0, np.sqrt(2.0 / fan_in), shape)
            elif kind == "gamma":
                value = 1 + 0.1 * self.rng.normal(size=shape)
            else:
                value = 0.1 * self.rng.normal(size=shape)
            self.variables[full] = value.astype(np.float32)
        assert self.variables[full].shape == shape, (full, self.variables[full].shape, shape)
        return torch.from_numpy(self.variables[full])

    # --- TF1 ops (NHWC) ---
    @staticmethod
    def pad(x: torch.Tensor, top: int, bottom: int, left: int, right: int) -> torch.Tensor:
        return F.pad(x.permute(0, 3, 1, 2), (left, right, top, bottom), mode="reflect").permute(0, 2, 3, 1)

    @staticmethod
    def conv(x: torch.Tensor, kernel: torch.Tensor, stride: int = 1, groups: int = 1) -> torch.Tensor:
        weight = kernel.permute(3, 2, 0, 1) if groups == 1 else kernel.permute(2, 3, 0, 1)
        return F.conv2d(x.permute(0, 3, 1, 2), weight, stride=stride, groups=groups).permute(0, 2, 3, 1)

    def layer_norm(self, x: torch.Tensor, scope: str | None = None) -> torch.Tensor:
        with self.scope(scope or self.unique("LayerNorm")):
            beta, gamma = self.var("beta", (x.shape[-1],), "beta"), self.var("gamma", (x.shape[-1],), "gamma")
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        var = ((x - mean) ** 2).mean(dim=(1, 2, 3), keepdim=True)
        return (x - mean) * torch.rsqrt(var + 1e-12) * gamma + beta

    def instance_norm(self, x: torch.Tensor, scope: str | None = None, eps: float = 1e-5) -> torch.Tensor:
        with self.scope(scope or self.unique("InstanceNorm")):
            beta, gamma = self.var("beta", (x.shape[-1],), "beta"), self.var("gamma", (x.shape[-1],), "gamma")
        mean = x.mean(dim=(1, 2), keepdim=True)
        var = ((x - mean) ** 2).mean(dim=(1, 2), keepdim=True)
        return (x - mean) * torch.rsqrt(var + eps) * gamma + beta

    @staticmethod
    def lrelu(x: torch.Tensor) -> torch.Tensor:
        return torch.maximum(x, 0.2 * x)

    @staticmethod
    def resize(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
        """tf.image.resize_images (TF1: bilinear, align_corners=False, half_pixel_centers=False)."""

        def axis(n_in: int, n_out: int):
            position = np.arange(n_out, dtype=np.float32) * np.float32(n_in / n_out)
            low = np.floor(position)
            high = np.minimum(np.ceil(position), n_in - 1)
            return low.astype(np.int64), high.astype(np.int64), torch.from_numpy(position - low)

        y0, y1, yl = axis(x.shape[1], height)
        x0, x1, xl = axis(x.shape[2], width)
        xl = xl.reshape(1, 1, -1, 1)
        top = x[:, y0][:, :, x0] + (x[:, y0][:, :, x1] - x[:, y0][:, :, x0]) * xl
        bottom = x[:, y1][:, :, x0] + (x[:, y1][:, :, x1] - x[:, y1][:, :, x0]) * xl
        return top + (bottom - top) * yl.reshape(1, -1, 1, 1)

    # --- contrib layers as the generators call them ---
    def conv_layer(self, x: torch.Tensor, filters: int, k: int = 3, stride: int = 1) -> torch.Tensor:
        if k == 3 and stride == 1:
            x = self.pad(x, 1, 1, 1, 1)
        elif k == 7 and stride == 1:
            x = self.pad(x, 3, 3, 3, 3)
        elif stride == 2:
            x = self.pad(x, 0, 1, 0, 1)
        with self.scope(self.unique("Conv")):
            kernel = self.var("weights", (k, k, x.shape[-1], filters), "kernel")
        return self.conv(x, kernel, stride)

    def depthwise(self, x: torch.Tensor, name: str, bias: bool) -> torch.Tensor:
        x = self.pad(x, 1, 1, 1, 1)
        with self.scope(name):
            out = self.conv(x, self.var("w", (3, 3, x.shape[-1], 1), "kernel"), groups=x.shape[-1])
            if bias:
                out = out + self.var("bias", (x.shape[-1],), "beta")
        return out

    def separable(self, x: torch.Tensor, filters: int, stride: int = 1) -> torch.Tensor:
        x = self.pad(x, 1, 1, 1, 1) if stride == 1 else self.pad(x, 0, 1, 0, 1)
        with self.scope(self.unique("SeparableConv2d")):
            depthwise = self.var("depthwise_weights", (3, 3, x.shape[-1], 1), "kernel")
            pointwise = self.var("pointwise_weights", (1, 1, x.shape[-1], filters), "kernel")
            out = self.conv(self.conv(x, depthwise, stride, groups=x.shape[-1]), pointwise)
            return self.lrelu(self.instance_norm(out, eps=1e-6))


def v2_forward(g: TFGraph, x: torch.Tensor) -> torch.Tensor:
    """AnimeGANv2's G_net (net/generator.py) on NHWC input."""

    def cnl(h: torch.Tensor, filters: int, k: int = 3, stride: int = 1) -> torch.Tensor:
        return g.lrelu(g.layer_norm(g.conv_layer(h, filters, k, stride)))

    def irb(h: torch.Tensor, name: str) -> torch.Tensor:
        with g.scope(name):
            out = cnl(h, 2 * h.shape[-1], k=1)
            out = g.lrelu(g.layer_norm(g.depthwise(out, name, bias=True), scope="1"))
            out = g.layer_norm(g.conv_layer(out, 256, k=1), scope="2")
            return h + out if h.shape[-1] == 256 else out

    with g.scope("generator"), g.scope("G_MODEL"):
        with g.scope("A"):
            h = cnl(cnl(cnl(x, 32, 7), 64, stride=2), 64)
        with g.scope("B"):
            h = cnl(cnl(h, 128, stride=2), 128)
        with g.scope("C"):
            h = cnl(h, 128)
            for i in range(1, 5):
                h = irb(h, f"r{i}")
            h = cnl(h, 128)
        with g.scope("D"):
            h = cnl(cnl(g.resize(h, 2 * h.shape[1], 2 * h.shape[2]), 128), 128)
        with g.scope("E"):
            h = cnl(cnl(cnl(g.resize(h, 2 * h.shape[1], 2 * h.shape[2]), 64), 64), 32, 7)
        with g.scope("out_layer"):
            return torch.tanh(g.conv_layer(h, 3, k=1))


def v1_forward(g: TFGraph, x: torch.Tensor) -> torch.Tensor:
    """AnimeGAN (v1)'s G_net (net/generator.py) on NHWC input."""

    def cnl(h: torch.Tensor, filters: int, k: int = 3) -> torch.Tensor:
        return g.lrelu(g.instance_norm(g.conv_layer(h, filters, k)))

    def down(h: torch.Tensor, filters: int) -> torch.Tensor:
        strided = g.separable(h, filters, stride=2)
        return strided + g.separable(g.resize(h, h.shape[1] // 2, h.shape[2] // 2), filters)

    def irb(h: torch.Tensor, name: str) -> torch.Tensor:
        with g.scope(name):
            out = cnl(h, 512, k=1)
            out = g.lrelu(g.instance_norm(g.depthwise(out, name, bias=False), scope="1"))
            return h + g.instance_norm(g.conv_layer(out, 256, k=1), scope="2")

    with g.scope("generator"), g.scope("G_MODEL"):
        with g.scope("b1"):
            h = down(cnl(cnl(x, 64), 64), 128)
        with g.scope("b2"):
            h = down(g.separable(cnl(h, 128), 128), 256)
        with g.scope("m"):
            h = cnl(h, 256)
            for i in range(1, 9):
                h = irb(h, f"r{i}")
            h = cnl(h, 256)
        with g.scope("u2"):
            h = cnl(g.separable(g.separable(g.resize(h, 2 * h.shape[1], 2 * h.shape[2]), 128), 128), 128)
        with g.scope("u1"):
            h = cnl(cnl(g.separable(g.resize(h, 2 * h.shape[1], 2 * h.shape[2]), 128), 64), 64)
        return torch.tanh(g.conv_layer(h, 3, k=1))


FORWARDS = {"v1": v1_forward, "v2": v2_forward}


def random_tf_generator(arch: str, seed: int = 0) -> dict[str, np.ndarray]:
    """The TF variables of a randomly initialised ``arch`` generator (names and shapes as TF makes them)."""
    graph = TFGraph(seed)
    with torch.no_grad():
        FORWARDS[arch](graph, torch.zeros(1, 16, 16, 3))
    return graph.variables


def training_checkpoint_extras(variables: dict[str, np.ndarray], seed: int = 1) -> dict[str, np.ndarray]:
    """What a TF training checkpoint holds besides the generator: Adam slots, discriminator, counters."""
    rng = np.random.default_rng(seed)
    disc = {
        f"discriminator/conv_{i}/kernel": rng.normal(size=(3, 3, 32, 32)).astype(np.float32) for i in range(3)
    }
    extras = {f"{n}/Adam{s}": np.zeros_like(v) for n, v in {**variables, **disc}.items() for s in ("", "_1")}
    extras |= {"beta1_power": np.array(0.5, np.float32), "beta2_power": np.array(0.9, np.float32)}
    return {**disc, **extras, "global_step": np.array(1234, np.int64)}
