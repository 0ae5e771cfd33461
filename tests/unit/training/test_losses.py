"""Each loss against an independent NumPy formula on small tensors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from animegan.training import losses

ATOL = 1e-5


@pytest.fixture
def images() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(7)
    return torch.rand(2, 3, 5, 6, generator=g) * 2 - 1, torch.rand(2, 3, 5, 6, generator=g) * 2 - 1


def np_yuv(x: np.ndarray) -> np.ndarray:
    rgb = (x + 1) / 2
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = -0.14714119 * r - 0.28886916 * g + 0.43601035 * b
    v = 0.61497538 * r - 0.51496512 * g - 0.10001026 * b
    return np.stack([y, u, v], axis=1)


def np_huber(a: np.ndarray, b: np.ndarray, delta: float = 1.0) -> float:
    d = np.abs(a - b)
    return float(np.mean(np.where(d <= delta, 0.5 * d**2, delta * (d - 0.5 * delta))))


def test_grayscale_is_luma_in_three_channels(images) -> None:
    x, _ = images
    out = losses.grayscale(x).numpy()
    luma = 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    for c in range(3):
        np.testing.assert_allclose(out[:, c], luma.numpy(), atol=ATOL)


def test_gram_per_image_matches_formula() -> None:
    feats = torch.randn(2, 4, 3, 5, generator=torch.Generator().manual_seed(0))
    out = losses.gram(feats).numpy()
    for i in range(2):
        f = feats[i].numpy().reshape(4, 15).T  # (H*W, C)
        np.testing.assert_allclose(out[i], f.T @ f / (3 * 5 * 4), atol=ATOL)
    # per image: changing image 1 leaves image 0's Gram unchanged (no batch mixing)
    other = feats.clone()
    other[1] += 5
    np.testing.assert_allclose(losses.gram(other)[0].numpy(), out[0], atol=ATOL)


def test_style_and_content_losses(images) -> None:
    a, b = (t.reshape(2, 3, 30)[:, :, :, None].expand(2, 3, 30, 2).contiguous() for t in images)
    ga = np.stack([x.reshape(3, -1) @ x.reshape(3, -1).T / (60 * 3) for x in a.numpy()])
    gb = np.stack([x.reshape(3, -1) @ x.reshape(3, -1).T / (60 * 3) for x in b.numpy()])
    assert losses.style_loss(a, b).item() == pytest.approx(np.abs(ga - gb).mean(), abs=ATOL)
    assert losses.content_loss(a, b).item() == pytest.approx(np.abs(a.numpy() - b.numpy()).mean(), abs=ATOL)


def test_yuv_matrix_and_color_loss(images) -> None:
    photo, fake = images
    np.testing.assert_allclose(losses.rgb_to_yuv(photo).numpy(), np_yuv(photo.numpy()), atol=ATOL)
    yp, yf = np_yuv(photo.numpy()), np_yuv(fake.numpy())
    expected = (
        np.abs(yp[:, 0] - yf[:, 0]).mean() + np_huber(yp[:, 1], yf[:, 1]) + np_huber(yp[:, 2], yf[:, 2])
    )
    assert losses.color_loss(photo, fake).item() == pytest.approx(expected, abs=ATOL)


def test_huber_branch_beyond_delta() -> None:
    photo = torch.full((1, 3, 2, 2), -1.0)
    fake = torch.ones(1, 3, 2, 2)
    fake[:, 2] = -1.0  # blue stays, red/green jump: U, V change by more than... check against formula
    yp, yf = np_yuv(photo.numpy()), np_yuv(fake.numpy())
    expected = (
        np.abs(yp[:, 0] - yf[:, 0]).mean() + np_huber(yp[:, 1], yf[:, 1]) + np_huber(yp[:, 2], yf[:, 2])
    )
    assert losses.color_loss(photo, fake).item() == pytest.approx(expected, abs=ATOL)


def test_total_variation_v2(images) -> None:
    x = images[0].numpy()
    dh = x[:, :, 1:, :] - x[:, :, :-1, :]
    dw = x[:, :, :, 1:] - x[:, :, :, :-1]
    expected = (dh**2).mean() / 2 + (dw**2).mean() / 2
    assert losses.total_variation_loss(images[0]).item() == pytest.approx(expected, abs=ATOL)


def test_lsgan_terms_and_weighted_sum() -> None:
    g = torch.Generator().manual_seed(1)
    real, fake, gray, smooth = (torch.randn(2, 1, 4, 4, generator=g) for _ in range(4))
    assert losses.generator_adversarial_loss(fake).item() == pytest.approx(
        ((fake.numpy() - 1) ** 2).mean(), abs=ATOL
    )
    terms = losses.discriminator_loss_terms(real, fake, gray, smooth)
    expected = {
        "real": ((real.numpy() - 1) ** 2).mean(),
        "fake": (fake.numpy() ** 2).mean(),
        "gray": (gray.numpy() ** 2).mean(),
        "smooth": (smooth.numpy() ** 2).mean(),
    }
    for k, v in expected.items():
        assert terms[k].item() == pytest.approx(v, abs=ATOL)
    split = {"real": 1.2, "fake": 1.2, "gray": 1.2, "smooth": 0.8}
    total = losses.discriminator_loss(terms, split, weight=300.0).item()
    assert total == pytest.approx(300 * sum(split[k] * expected[k] for k in split), rel=1e-5)


# ---- mixed precision: every loss gives the fp32 result under fp16 and bf16 autocast ---------------------------
def caffe_scale_features(dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """conv4_4-like features at the Caffe VGG scale: values up to ~1e3 (what overflows a fp16 Gram matrix)."""
    g = torch.Generator().manual_seed(3)
    return (torch.randn(2, 512, 16, 16, generator=g) * 300).clamp(-1000, 1000).to(dtype)


def np_gram(features: torch.Tensor) -> np.ndarray:
    f = features.double().numpy()
    b, c, h, w = f.shape
    flat = f.reshape(b, c, h * w)
    return flat @ flat.transpose(0, 2, 1) / (h * w * c)


def relative(value: torch.Tensor, reference: np.ndarray) -> float:
    return float(np.abs(value.double().numpy() - reference).max() / np.abs(reference).max())


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_gram_and_style_loss_under_autocast_match_fp32(dtype: torch.dtype) -> None:
    features = caffe_scale_features()
    other = features.flip(0).roll(3, dims=1)
    reference = np_gram(features)
    assert reference.max() * 16 * 16 * 512 > 65504  # the unnormalised F^T F overflows fp16
    with torch.autocast("cpu", dtype=dtype):
        gram_amp = losses.gram(features)
        style_amp = losses.style_loss(other, features)
        content_amp = losses.content_loss(other, features)
    assert gram_amp.dtype == torch.float32 and torch.isfinite(gram_amp).all()
    assert relative(gram_amp, reference) < 1e-3
    style_reference = np.abs(reference - np_gram(other)).mean()
    assert style_amp.item() == pytest.approx(style_reference, rel=1e-3)
    content_reference = np.abs(features.double().numpy() - other.double().numpy()).mean()
    assert content_amp.item() == pytest.approx(content_reference, rel=1e-3)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_gram_of_low_precision_features_is_computed_in_fp32(dtype: torch.dtype) -> None:
    features = caffe_scale_features(dtype)  # VGG features come out of an autocast forward in the low dtype
    with torch.autocast("cpu", dtype=dtype):
        out = losses.gram(features)
    assert out.dtype == torch.float32
    assert relative(out, np_gram(features.float())) < 1e-3


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_color_tv_and_lsgan_losses_under_autocast_match_fp32(dtype: torch.dtype) -> None:
    g = torch.Generator().manual_seed(11)
    photo, fake = (torch.rand(2, 3, 64, 64, generator=g) * 2 - 1 for _ in range(2))
    yp, yf = np_yuv(photo.double().numpy()), np_yuv(fake.double().numpy())
    color_reference = (
        np.abs(yp[:, 0] - yf[:, 0]).mean() + np_huber(yp[:, 1], yf[:, 1]) + np_huber(yp[:, 2], yf[:, 2])
    )
    x = fake.double().numpy()
    tv_reference = ((x[:, :, 1:] - x[:, :, :-1]) ** 2).mean() / 2 + (
        (x[..., 1:] - x[..., :-1]) ** 2
    ).mean() / 2
    logits = torch.randn(2, 1, 8, 8, generator=g) * 30
    with torch.autocast("cpu", dtype=dtype):
        color = losses.color_loss(photo, fake)
        tv = losses.total_variation_loss(fake)
        adv = losses.generator_adversarial_loss(logits)
        terms = losses.discriminator_loss_terms(logits, logits, logits, logits)
    assert color.item() == pytest.approx(color_reference, rel=1e-3)
    assert tv.item() == pytest.approx(tv_reference, rel=1e-3)
    assert adv.item() == pytest.approx(((logits.double().numpy() - 1) ** 2).mean(), rel=1e-3)
    assert terms["fake"].item() == pytest.approx((logits.double().numpy() ** 2).mean(), rel=1e-3)
    assert all(value.dtype == torch.float32 for value in (color, tv, adv, *terms.values()))
