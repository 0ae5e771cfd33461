"""The training criterion against an independent re-implementation of the reference losses (section 3)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from animegan.nets import Discriminator, VGGFeatures
from animegan.training.criterion import AnimeGANCriterion, LossWeights
from animegan.weights.vgg import load_vgg

WEIGHTS = LossWeights(
    adv_g=3.0,
    adv_d=2.0,
    content=1.5,
    style=2.5,
    color=15.0,
    tv=1.0,
    d_split={"real": 1.2, "fake": 1.1, "gray": 0.9, "smooth": 0.8},
)


@pytest.fixture(scope="module")
def vgg() -> VGGFeatures:
    return load_vgg("random")


def make_batch(size: int = 32, n: int = 2, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    anime = torch.rand(n, 3, size, size, generator=g) * 2 - 1
    luma = 0.299 * anime[:, 0:1] + 0.587 * anime[:, 1:2] + 0.114 * anime[:, 2:3]
    return {
        "photo": torch.rand(n, 3, size, size, generator=g) * 2 - 1,
        "anime": anime,
        "anime_gray": luma.repeat(1, 3, 1, 1),
        "smooth_gray": (luma * 0.8).repeat(1, 3, 1, 1),
    }


def reference_gram(features: torch.Tensor) -> torch.Tensor:
    b, c, h, w = features.shape
    flat = features.permute(0, 2, 3, 1).reshape(b, h * w, c)  # F as (H*W, C) per image
    return torch.einsum("bnc,bnd->bcd", flat, flat) / (h * w * c)


def reference_yuv(x: torch.Tensor) -> torch.Tensor:
    r, g, b = ((x + 1) / 2).unbind(1)
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = -0.14714119 * r - 0.28886916 * g + 0.43601035 * b
    v = 0.61497538 * r - 0.51496512 * g - 0.10001026 * b
    return torch.stack([y, u, v], 1)


def test_generator_loss_matches_reference_formulas(vgg: VGGFeatures) -> None:
    torch.manual_seed(0)
    disc = Discriminator(ch=16, n_dis=2).eval()
    criterion = AnimeGANCriterion(WEIGHTS, vgg, disc)
    batch = make_batch()
    fake = torch.tanh(torch.randn(2, 3, 32, 32))
    loss, logs = criterion.generator_loss(batch, fake)

    feats_fake, feats_photo, feats_gray = vgg(fake), vgg(batch["photo"]), vgg(batch["anime_gray"])
    yuv_f, yuv_p = reference_yuv(fake), reference_yuv(batch["photo"])
    expected = {
        "adv": 3.0 * ((disc(fake) - 1) ** 2).mean(),
        "content": 1.5 * (feats_fake - feats_photo).abs().mean(),
        "style": 2.5 * (reference_gram(feats_fake) - reference_gram(feats_gray)).abs().mean(),
        "color": 15.0
        * (
            (yuv_f[:, 0] - yuv_p[:, 0]).abs().mean()
            + F.smooth_l1_loss(yuv_f[:, 1], yuv_p[:, 1], beta=1.0)
            + F.smooth_l1_loss(yuv_f[:, 2], yuv_p[:, 2], beta=1.0)
        ),
        "tv": 1.0
        * (
            (fake[:, :, 1:] - fake[:, :, :-1]).pow(2).mean() / 2
            + (fake[..., 1:] - fake[..., :-1]).pow(2).mean() / 2
        ),
    }
    for name, value in expected.items():
        torch.testing.assert_close(logs[name], value.detach(), rtol=1e-4, atol=1e-6, msg=name)
    torch.testing.assert_close(loss.detach(), sum(expected.values()).detach(), rtol=1e-4, atol=1e-6)


def test_discriminator_loss_matches_reference_and_batched_equals_separate(vgg: VGGFeatures) -> None:
    torch.manual_seed(1)
    disc = Discriminator(ch=16, n_dis=2).eval()  # eval: spectral norm does not iterate, calls are comparable
    batch, fake = make_batch(seed=3), torch.tanh(torch.randn(2, 3, 32, 32))
    batched = AnimeGANCriterion(WEIGHTS, vgg, disc, batched_discriminator=True)
    separate = AnimeGANCriterion(WEIGHTS, vgg, disc, batched_discriminator=False)
    loss_b, logs_b = batched.discriminator_loss(batch, fake)
    loss_s, _ = separate.discriminator_loss(batch, fake)
    expected = 2.0 * (
        1.2 * ((disc(batch["anime"]) - 1) ** 2).mean()
        + 1.1 * (disc(fake) ** 2).mean()
        + 0.9 * (disc(batch["anime_gray"]) ** 2).mean()
        + 0.8 * (disc(batch["smooth_gray"]) ** 2).mean()
    )
    torch.testing.assert_close(loss_b, expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(loss_s, expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(logs_b["d_out_real"], disc(batch["anime"]).mean())


def test_discriminator_loss_leaves_generator_graph_alone(vgg: VGGFeatures) -> None:
    criterion = AnimeGANCriterion(WEIGHTS, vgg, Discriminator(ch=16, n_dis=2))
    weight = torch.ones(1, requires_grad=True)
    fake = torch.tanh(torch.randn(2, 3, 32, 32) * weight)
    loss, _ = criterion.discriminator_loss(make_batch(), fake)
    loss.backward()
    assert weight.grad is None  # fake is detached for the D step
    assert all(p.grad is not None for p in criterion.discriminator.parameters())


def test_perceptual_targets_carry_no_graph_and_vgg_stays_frozen(vgg: VGGFeatures) -> None:
    criterion = AnimeGANCriterion(WEIGHTS, vgg, Discriminator(ch=16, n_dis=2))
    criterion.train()
    assert not criterion.vgg.training
    assert not any(p.requires_grad for p in criterion.vgg.parameters())
    fake = torch.tanh(torch.randn(2, 3, 32, 32)).requires_grad_(True)
    loss, _ = criterion.generator_loss(make_batch(), fake)
    loss.backward()
    assert fake.grad is not None and torch.isfinite(fake.grad).all()
    assert all(p.grad is None for p in criterion.vgg.parameters())


def test_pretrain_is_content_only(vgg: VGGFeatures) -> None:
    criterion = AnimeGANCriterion(WEIGHTS, vgg, discriminator=None)
    batch, fake = make_batch(), torch.tanh(torch.randn(2, 3, 32, 32))
    loss, logs = criterion.pretrain(batch, fake)
    expected = 1.5 * (vgg(fake) - vgg(batch["photo"])).abs().mean()
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=1e-6)
    assert set(logs) == {"content", "loss_g"}


def test_val_distances_are_per_image_and_zero_for_identity(vgg: VGGFeatures) -> None:
    criterion = AnimeGANCriterion(WEIGHTS, vgg)
    batch = make_batch(n=3)
    gram_ref = criterion.mean_gram(batch["anime_gray"])
    same = criterion.distances(batch["photo"], batch["photo"], gram_ref)
    assert same["content_distance"].shape == (3,)
    torch.testing.assert_close(same["content_distance"], torch.zeros(3))
    manual = (reference_gram(vgg(batch["photo"])) - reference_gram(vgg(batch["anime_gray"])).mean(0)).abs()
    torch.testing.assert_close(same["style_distance"], manual.flatten(1).mean(1), rtol=1e-4, atol=1e-7)


def test_loss_weights_from_config_reads_every_field() -> None:
    weights = LossWeights.from_config(
        {
            "adv_g": 1,
            "adv_d": 2,
            "content": 3,
            "style": 4,
            "color": 5,
            "tv": 6,
            "d_split": dict.fromkeys(("real", "fake", "gray", "smooth"), 0.5),
        }
    )
    assert (weights.adv_g, weights.adv_d, weights.content, weights.style, weights.color, weights.tv) == (
        1,
        2,
        3,
        4,
        5,
        6,
    )
    assert dict(weights.d_split) == {"real": 0.5, "fake": 0.5, "gray": 0.5, "smooth": 0.5}
    with pytest.raises(TypeError):
        LossWeights.from_config({"adversarial": 1.0})
