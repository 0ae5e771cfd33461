"""The training criterion against an independent re-implementation of the reference losses (section 3)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hydra.utils import instantiate
from omegaconf import DictConfig

from animegan.nets import VGGFeatures
from animegan.training.criterion import AnimeGANCriterion, loss_logs
from animegan.weights.vgg import load_vgg

# The Hayao preset with adv_g, adv_d and the D split made distinct, so that each weight is seen on its own term.
DISTINCT = [
    "model.loss.adv_g=3.0",
    "model.loss.adv_d=2.0",
    "model.loss.d_split.fake=1.1",
    "model.loss.d_split.gray=0.9",
]
SMALL_D = ["model.discriminator.ch=16", "model.discriminator.n_dis=2"]


@pytest.fixture(scope="module")
def vgg() -> VGGFeatures:
    return load_vgg("random")


@pytest.fixture
def model_cfg(cfg) -> DictConfig:
    return cfg(*DISTINCT, *SMALL_D).model


def make_criterion(model: DictConfig, vgg: VGGFeatures, with_discriminator: bool = True, **overrides):
    """The criterion of ``model.loss`` (and its discriminator) as the module builds them."""
    discriminator = instantiate(model.discriminator, _convert_="all")() if with_discriminator else None
    factory = instantiate(model.loss, _convert_="all")
    return factory(vgg=vgg, discriminator=discriminator, **overrides)


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


def test_generator_loss_matches_reference_formulas(model_cfg: DictConfig, vgg: VGGFeatures) -> None:
    w = model_cfg.loss
    torch.manual_seed(0)
    criterion = make_criterion(model_cfg, vgg)
    disc = criterion.discriminator.eval()
    batch = make_batch()
    fake = torch.tanh(torch.randn(2, 3, 32, 32))
    loss, logs = criterion.generator_loss(batch, fake)

    feats_fake, feats_photo, feats_gray = vgg(fake), vgg(batch["photo"]), vgg(batch["anime_gray"])
    yuv_f, yuv_p = reference_yuv(fake), reference_yuv(batch["photo"])
    expected = {
        "adv": w.adv_g * ((disc(fake) - 1) ** 2).mean(),
        "content": w.content * (feats_fake - feats_photo).abs().mean(),
        "style": w.style * (reference_gram(feats_fake) - reference_gram(feats_gray)).abs().mean(),
        "color": w.color
        * (
            (yuv_f[:, 0] - yuv_p[:, 0]).abs().mean()
            + F.smooth_l1_loss(yuv_f[:, 1], yuv_p[:, 1], beta=1.0)
            + F.smooth_l1_loss(yuv_f[:, 2], yuv_p[:, 2], beta=1.0)
        ),
        "tv": w.tv
        * (
            (fake[:, :, 1:] - fake[:, :, :-1]).pow(2).mean() / 2
            + (fake[..., 1:] - fake[..., :-1]).pow(2).mean() / 2
        ),
    }
    assert len({w.adv_g, w.content, w.style, w.color}) == 4  # each weight is seen on its own term
    for name, value in expected.items():
        torch.testing.assert_close(logs[name], value.detach(), rtol=1e-4, atol=1e-6, msg=name)
    torch.testing.assert_close(loss.detach(), sum(expected.values()).detach(), rtol=1e-4, atol=1e-6)


def test_discriminator_loss_matches_reference_and_batched_equals_separate(
    model_cfg: DictConfig, vgg: VGGFeatures
) -> None:
    w = model_cfg.loss
    torch.manual_seed(1)
    batched = make_criterion(model_cfg, vgg, batched_discriminator=True)
    disc = batched.discriminator.eval()  # eval: spectral norm does not iterate, calls are comparable
    separate = make_criterion(model_cfg, vgg, with_discriminator=False, batched_discriminator=False)
    separate.discriminator = disc
    batch, fake = make_batch(seed=3), torch.tanh(torch.randn(2, 3, 32, 32))
    loss_b, logs_b = batched.discriminator_loss(batch, fake)
    loss_s, _ = separate.discriminator_loss(batch, fake)
    split = w.d_split
    expected = w.adv_d * (
        split.real * ((disc(batch["anime"]) - 1) ** 2).mean()
        + split.fake * (disc(fake) ** 2).mean()
        + split.gray * (disc(batch["anime_gray"]) ** 2).mean()
        + split.smooth * (disc(batch["smooth_gray"]) ** 2).mean()
    )
    assert len({split.real, split.fake, split.gray, split.smooth}) == 4  # a swapped term would show
    torch.testing.assert_close(loss_b, expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(loss_s, expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(logs_b["d_out_real"], disc(batch["anime"]).mean())


def test_discriminator_loss_leaves_generator_graph_alone(model_cfg: DictConfig, vgg: VGGFeatures) -> None:
    criterion = make_criterion(model_cfg, vgg)
    weight = torch.ones(1, requires_grad=True)
    fake = torch.tanh(torch.randn(2, 3, 32, 32) * weight)
    loss, _ = criterion.discriminator_loss(make_batch(), fake)
    loss.backward()
    assert weight.grad is None  # fake is detached for the D step
    assert all(p.grad is not None for p in criterion.discriminator.parameters())


def test_perceptual_targets_carry_no_graph_and_vgg_stays_frozen(
    model_cfg: DictConfig, vgg: VGGFeatures
) -> None:
    criterion = make_criterion(model_cfg, vgg)
    criterion.train()
    assert not criterion.vgg.training
    assert not any(p.requires_grad for p in criterion.vgg.parameters())
    fake = torch.tanh(torch.randn(2, 3, 32, 32)).requires_grad_(True)
    loss, _ = criterion.generator_loss(make_batch(), fake)
    loss.backward()
    assert fake.grad is not None and torch.isfinite(fake.grad).all()
    assert all(p.grad is None for p in criterion.vgg.parameters())


def test_pretrain_is_content_only(model_cfg: DictConfig, vgg: VGGFeatures) -> None:
    criterion = make_criterion(model_cfg, vgg, with_discriminator=False)
    batch, fake = make_batch(), torch.tanh(torch.randn(2, 3, 32, 32))
    loss, logs = criterion.pretrain(batch, fake)
    expected = model_cfg.loss.content * (vgg(fake) - vgg(batch["photo"])).abs().mean()
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=1e-6)
    assert set(logs) == {"content", "loss_g"}


def test_reference_pretrain_content_weight_follows_content(cfg) -> None:
    for preset in ("hayao", "shinkai", "paprika", "v1"):
        loss = cfg(f"loss={preset}", "model.loss.content=7.5").model.loss
        assert (loss.pretrain_content, loss.pretrain_color) == (7.5, 0.0)


class NoVGG(torch.nn.Module):
    """A feature network that must not be called."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        raise AssertionError("the VGG ran although the pretrain content weight is 0")


def test_demo_pretrain_is_colour_only_and_skips_the_vgg(cfg) -> None:
    model = cfg("experiment=demo").model
    assert (model.loss.pretrain_content, model.loss.pretrain_color) == (0.0, 100.0)
    batch, fake = make_batch(), torch.tanh(torch.randn(2, 3, 32, 32))
    loss, logs = make_criterion(model, NoVGG(), with_discriminator=False).pretrain(batch, fake)
    yuv_f, yuv_p = reference_yuv(fake), reference_yuv(batch["photo"])
    expected = 100.0 * (
        (yuv_f[:, 0] - yuv_p[:, 0]).abs().mean()
        + F.smooth_l1_loss(yuv_f[:, 1], yuv_p[:, 1], beta=1.0)
        + F.smooth_l1_loss(yuv_f[:, 2], yuv_p[:, 2], beta=1.0)
    )
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=1e-6)
    assert set(logs) == {"color", "loss_g"}


def test_pretrain_with_no_term_is_refused(cfg, vgg: VGGFeatures) -> None:
    model = cfg("model.loss.pretrain_content=0", "model.loss.pretrain_color=0").model
    with pytest.raises(ValueError, match="pretrain_content=0.*at least one > 0"):
        make_criterion(model, vgg, with_discriminator=False)


def test_val_distances_are_per_image_and_zero_for_identity(model_cfg: DictConfig, vgg: VGGFeatures) -> None:
    criterion = make_criterion(model_cfg, vgg, with_discriminator=False)
    batch = make_batch(n=3)
    gram_ref = criterion.mean_gram(batch["anime_gray"])
    same = criterion.distances(batch["photo"], batch["photo"], gram_ref)
    assert same["content_distance"].shape == (3,)
    torch.testing.assert_close(same["content_distance"], torch.zeros(3))
    manual = (reference_gram(vgg(batch["photo"])) - reference_gram(vgg(batch["anime_gray"])).mean(0)).abs()
    torch.testing.assert_close(same["style_distance"], manual.flatten(1).mean(1), rtol=1e-4, atol=1e-7)


def test_criterion_takes_every_weight_from_the_config(cfg, vgg: VGGFeatures) -> None:
    weights = [
        f"model.loss.{name}={value}"
        for value, name in enumerate(("adv_g", "adv_d", "content", "style", "color", "tv"), 1)
    ]
    split = [f"model.loss.d_split.{name}=0.5" for name in ("real", "fake", "gray", "smooth")]
    c = make_criterion(cfg(*weights, *split).model, vgg, with_discriminator=False)
    assert (c.adv_g, c.adv_d, c.content, c.style, c.color, c.tv) == (1, 2, 3, 4, 5, 6)
    assert c.d_split == {"real": 0.5, "fake": 0.5, "gray": 0.5, "smooth": 0.5}
    with pytest.raises(TypeError):
        make_criterion(cfg("+model.loss.adversarial=1.0").model, vgg, with_discriminator=False)


def test_criterion_has_no_default_weights(vgg: VGGFeatures) -> None:
    with pytest.raises(TypeError, match="missing"):
        AnimeGANCriterion(vgg=vgg, discriminator=None, batched_discriminator=True)


def test_loss_logs_are_detached_named_and_averaged() -> None:
    weight = torch.ones(2, requires_grad=True)
    terms = {"real": (weight * 2).sum(), "fake": (weight * 3).sum()}
    logits = {"real": weight[:, None] * torch.tensor([[1.0, 3.0]])}
    logs = loss_logs(terms, ("loss_d", terms["real"] + terms["fake"]), prefix="d_", logits=logits)
    assert set(logs) == {"d_real", "d_fake", "d_out_real", "loss_d"}
    assert not any(value.requires_grad for value in logs.values())
    assert [logs[k].item() for k in ("d_real", "d_fake", "d_out_real", "loss_d")] == [4.0, 6.0, 2.0, 10.0]
