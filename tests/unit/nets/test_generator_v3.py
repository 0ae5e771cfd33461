"""AnimeGANv3 generator against the reference numbers (section 7) and independent NumPy formulas: parameter
counts, shapes, TF1 legacy x2 upsampling, top/left stride-2 padding, LADE, external attention, eval and deploy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from animegan.nets import GeneratorV3, build_generator, deployed
from animegan.nets.attention import AttentionBatchNorm, ExternalAttention
from animegan.nets.generator_v3 import V3Output
from animegan.nets.lade import LADE, ConvLADELReLU, ReflectConv, same_padding
from animegan.nets.resize import upsample2x


def trainable(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def test_parameter_counts_are_the_references() -> None:
    generator = build_generator("v3")
    assert trainable(generator) == 1_557_792
    assert trainable(generator.base) == 497_248
    assert trainable(generator.support) == trainable(generator.main) == 530_272
    assert trainable(generator.main.attention) == 49_408
    deploy = deployed(generator)
    assert trainable(deploy) == 1_027_520 and deploy.support is None
    running = sum(b.numel() for k, b in deploy.state_dict().items() if "running" in k)
    assert running == 256  # the main tail's BN running mean and variance
    stored = sum(v.numel() for k, v in deploy.state_dict().items() if not k.endswith("num_batches_tracked"))
    assert stored == 1_027_776


def test_no_biases_and_glorot_uniform_kernels() -> None:
    generator = GeneratorV3()
    convs = [m for m in generator.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(conv.bias is None for conv in convs)
    for conv in convs:
        out_ch, in_ch, kh, kw = conv.weight.shape
        bound = math.sqrt(6.0 / (kh * kw * (in_ch + out_ch)))
        assert conv.weight.abs().max() <= bound and conv.weight.abs().max() > 0.8 * bound
    memory = generator.main.attention.memory
    assert memory.shape == (128, 128) and memory.abs().max() <= math.sqrt(6.0 / 256)


def tf1_resize_numpy(x: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """TF1 ResizeBilinear, align_corners=False, half_pixel_centers=False, written from its definition."""
    in_h, in_w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (out_h, out_w))
    for i in range(out_h):
        y = i * in_h / out_h
        y0, y1, fy = int(np.floor(y)), min(int(np.floor(y)) + 1, in_h - 1), y - np.floor(y)
        for j in range(out_w):
            xx = j * in_w / out_w
            x0, x1, fx = int(np.floor(xx)), min(int(np.floor(xx)) + 1, in_w - 1), xx - np.floor(xx)
            top = x[..., y0, x0] + (x[..., y0, x1] - x[..., y0, x0]) * fx
            bottom = x[..., y1, x0] + (x[..., y1, x1] - x[..., y1, x0]) * fx
            out[..., i, j] = top + (bottom - top) * fy
    return out


def test_tf1_upsampling_matches_the_legacy_formula() -> None:
    a, b = 2.0, 6.0
    row = upsample2x(torch.tensor([[[[a, b]]]]), "tf1")
    assert row[0, 0, 0].tolist() == [a, (a + b) / 2, b, b]  # one axis: [a, b] -> [a, (a+b)/2, b, b]
    x = torch.randn(2, 3, 5, 7, dtype=torch.float64)
    expected = tf1_resize_numpy(x.numpy(), 10, 14)
    np.testing.assert_allclose(upsample2x(x, "tf1").numpy(), expected, atol=1e-12)
    half_pixel = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    assert not torch.allclose(half_pixel, upsample2x(x, "tf1"))  # not PyTorch's default


def test_stride_two_layers_pad_top_and_left_only() -> None:
    assert same_padding(3, 2) == (1, 0, 1, 0)  # (left, right, top, bottom)
    assert same_padding(7, 1) == (3, 3, 3, 3) and same_padding(3, 1) == (1, 1, 1, 1)
    assert same_padding(1, 1) == (0, 0, 0, 0)
    layer = ReflectConv(2, 4, 3, stride=2)
    for side, out in ((256, 128), (257, 128), (9, 4)):
        x = torch.randn(1, 2, side, side)
        y = layer(x)
        assert y.shape[-1] == out
        padded = np.pad(x.numpy(), ((0, 0), (0, 0), (1, 0), (1, 0)), mode="reflect")  # top 1, left 1
        ref = F.conv2d(torch.from_numpy(padded), layer.conv.weight, stride=2)
        torch.testing.assert_close(y, ref)


def lade_numpy(x: np.ndarray, w: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    t = np.einsum("oc,bchw->bohw", w, x)
    mx, vx = x.mean((2, 3), keepdims=True), x.var((2, 3), keepdims=True)
    mt, vt = t.mean((2, 3), keepdims=True), t.var((2, 3), keepdims=True)
    return (x - mx) / np.sqrt(vx + eps) * np.sqrt(vt + eps) + mt


def test_lade_matches_its_formula_and_is_identity_for_an_identity_transform() -> None:
    torch.manual_seed(0)
    lade = LADE(6).double()
    x = torch.randn(2, 6, 5, 7, dtype=torch.float64) * 3 + 1
    w = lade.transform.conv.weight[:, :, 0, 0].detach().numpy()
    np.testing.assert_allclose(lade(x).detach().numpy(), lade_numpy(x.numpy(), w), atol=1e-10)
    with torch.no_grad():
        lade.transform.conv.weight.copy_(torch.eye(6, dtype=torch.float64)[:, :, None, None])
    torch.testing.assert_close(lade(x), x)  # same eps in both roots
    assert trainable(lade) == 36  # only W_t
    cll = ConvLADELReLU(3, 8, kernel=7)
    assert trainable(cll) == 3 * 8 * 49 + 64


def attention_numpy(
    attention: ExternalAttention, x: np.ndarray, training: bool
) -> tuple[np.ndarray, np.ndarray]:
    """External attention steps 1-8 of the reference, in NumPy (B x N x c layout as in TF)."""
    b, c, h, w = x.shape
    w1 = attention.query.weight[:, :, 0, 0].detach().double().numpy()
    w2 = attention.project.weight[:, :, 0, 0].detach().double().numpy()
    m = attention.memory.detach().double().numpy()
    feats = x.reshape(b, c, h * w).transpose(0, 2, 1)  # B N c
    q = feats @ w1.T
    logits = q @ m  # B N k
    a = np.exp(logits - logits.max(axis=1, keepdims=True))
    a = a / a.sum(axis=1, keepdims=True)  # softmax over the N positions
    a = a / (1e-9 + a.sum(axis=2, keepdims=True))
    y = (a @ m.T) @ w2.T  # B N c
    if training:
        mean, var = y.mean(axis=(0, 1)), y.var(axis=(0, 1))
        y = (y - mean) / np.sqrt(var + 1e-3)
    else:
        y = y / np.sqrt(1.0 + 1e-3)  # the reference's untrained inference constants
    out = y + feats
    out = np.where(out > 0, out, 0.2 * out)
    return out.transpose(0, 2, 1).reshape(b, c, h, w), a


@pytest.mark.parametrize("training", [True, False])
def test_external_attention_matches_the_reference_steps(training: bool) -> None:
    torch.manual_seed(1)
    attention = ExternalAttention(16, memory=12).double().train(training)
    x = torch.randn(2, 16, 4, 5, dtype=torch.float64)
    expected, expected_map = attention_numpy(attention, x.numpy(), training)
    np.testing.assert_allclose(attention(x).detach().numpy(), expected, atol=1e-9)
    np.testing.assert_allclose(attention.attention_map(x).detach().numpy(), expected_map, atol=1e-12)


def test_attention_batch_norm_trains_with_batch_statistics_and_infers_with_the_references_constants() -> None:
    norm = AttentionBatchNorm(4)
    assert (norm.eps, norm.momentum) == (1e-3, 1e-3)  # TF decay 0.999
    y = torch.randn(8, 4, 3, 3) * 5 + 2
    norm.train()(y)
    torch.testing.assert_close(norm.running_mean, 1e-3 * y.mean((0, 2, 3)))
    norm.eval()
    torch.testing.assert_close(norm(y), y / math.sqrt(1.001))  # never the trained running statistics
    running = AttentionBatchNorm(4, eval_norm="running")
    running.load_state_dict(norm.state_dict())
    assert not torch.allclose(running.eval()(y), norm(y))
    with pytest.raises(ValueError, match="eval_norm"):
        AttentionBatchNorm(4, eval_norm="batch")


def test_shapes_at_256_training_and_inference() -> None:
    torch.manual_seed(2)
    generator = GeneratorV3()
    x = torch.rand(1, 3, 256, 256) * 2 - 1
    with torch.no_grad():
        features = generator.base(x)
        assert [tuple(f.shape[1:]) for f in features] == [
            (32, 256, 256),
            (64, 128, 128),
            (128, 64, 64),
            (128, 32, 32),
        ]
        assert generator.main.attention.attention_map(features[3]).shape == (1, 1024, 128)
        out = generator.train()(x)
        assert isinstance(out, V3Output)
        for image in out:
            assert image.shape == (1, 3, 256, 256) and image.abs().max() < 1
        main = generator.eval()(x)
    assert isinstance(main, torch.Tensor) and main.shape == (1, 3, 256, 256)


def test_eval_returns_the_main_image_and_deploy_keeps_it() -> None:
    torch.manual_seed(3)
    generator = GeneratorV3()
    x = torch.rand(2, 3, 24, 40) * 2 - 1
    with torch.no_grad():
        trained = generator.train()(x)
        main = generator.eval()(x)
        deploy = generator.deploy()
        assert not any(k.startswith("support.") for k in deploy.state_dict())
        torch.testing.assert_close(deploy(x), main)
        assert not torch.allclose(trained.main, main)  # training BN uses batch statistics
        deploy.train()
        assert isinstance(deploy(x), torch.Tensor)  # no support tail: the main image in any mode
    assert GeneratorV3.size_multiple == 8
