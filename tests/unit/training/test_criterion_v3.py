"""AnimeGANv3 criterion: every generator and discriminator term against the NumPy formulas of section 3 with the
preset weights, gradient paths (support losses reach base + support tail, main losses base + main tail), the
pretrain objectives of Hayao and Shinkai, per-step online targets, and the phase order."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import v3_reference as ref
from hydra.utils import instantiate

from animegan.nets import GeneratorV3
from animegan.nets.generator_v3 import V3Output
from animegan.training.criterion_v3 import AnimeGANv3Criterion, StepBatch
from animegan.training.phases import stage_phases
from animegan.training.targets_v3 import OnlineTargets
from animegan.weights.vgg import load_vgg

SIZE = 32


def np_(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().numpy()


@pytest.fixture
def build(cfg):
    """``build(loss)``: the v3 criterion with both discriminators, as the module builds it (targets inline)."""

    def make(loss: str = "v3_hayao", *overrides: str) -> AnimeGANv3Criterion:
        model = cfg(
            "model=v3", f"loss={loss}", "model.vgg.weights=random", "model.loss.targets.workers=0", *overrides
        ).model
        torch.manual_seed(0)
        criterion = instantiate(model.loss, _convert_="all")(
            vgg=load_vgg("random"), discriminator=instantiate(model.discriminator)()
        )
        criterion.discriminator.eval()  # no spectral-norm power iteration: D gives the same logits every call
        return criterion

    return make


def images(n: int = 2, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, SIZE, SIZE, generator=g) * 2 - 1


def full_batch() -> dict[str, torch.Tensor]:
    keys = ("photo", "superpixel", "anime", "smooth", "fake_superpixel", "fake_nl0")
    return {key: images(seed=i) for i, key in enumerate(keys)}


def fake_outputs() -> V3Output:
    return V3Output(images(seed=10), images(seed=11), images(seed=12))


def test_generator_terms_are_the_reference_formulas_with_the_hayao_weights(build) -> None:
    criterion = build("v3_hayao")
    batch, fake = full_batch(), fake_outputs()
    loss, logs = criterion.generator_loss(batch, fake)
    vgg, d = criterion.vgg, criterion.discriminator
    with torch.no_grad():
        c44 = {
            name: np_(vgg(x))
            for name, x in [*batch.items(), ("filtered", fake.filtered), ("main", fake.main)]
        }
        gray = {
            name: torch.from_numpy(ref.gray3(np_(x))).float()
            for name, x in (("anime", batch["anime"]), ("filtered", fake.filtered))
        }
        layers = {
            name: {k: np_(v) for k, v in vgg.layers(x, ["conv2_2", "conv3_3", "conv4_4"]).items()}
            for name, x in gray.items()
        }
        d_support, d_main = np_(d["support"](gray["filtered"])), np_(d["main"](fake.main))
    style_weights = {"conv2_2": 0.1, "conv3_3": 5.0, "conv4_4": 25.0}
    expected = {
        "adv_support": 1.0 * ref.least_squares(d_support, 0.9),
        "content": 0.5 * ref.vgg_l1(c44["photo"], c44["filtered"]),
        "style": sum(
            w * ref.style_term(layers["anime"][k], layers["filtered"][k]) for k, w in style_weights.items()
        ),
        "region_generated": 0.2 * ref.vgg_l1(c44["fake_superpixel"], c44["filtered"]),
        "region_photo": 0.2 * ref.vgg_l1(c44["superpixel"], c44["filtered"]),
        "color": 10.0 * ref.lab_loss(np_(batch["photo"]), np_(fake.filtered)),
        "tv": 0.001 * ref.total_variation(np_(fake.filtered)),
        "adv_main": 0.02 * ref.least_squares(d_main, 1.0),
        "main_pixel": 50.0 * ref.l1(np_(batch["fake_nl0"]), np_(fake.main)),
        "main_vgg": 0.5 * ref.vgg_l1(c44["fake_nl0"], c44["main"]),
        "tv_main": 0.001 * ref.total_variation(np_(fake.main)),
    }
    for name, value in expected.items():
        assert logs[name].item() == pytest.approx(value, rel=2e-4, abs=1e-7), name
    assert loss.item() == pytest.approx(sum(expected.values()), rel=2e-4)
    assert logs["loss_g"].item() == pytest.approx(loss.item())


def test_discriminator_terms_are_the_reference_formulas_with_the_shinkai_weights(build) -> None:
    criterion = build("v3_shinkai")
    batch, fake = full_batch(), fake_outputs()
    loss, logs = criterion.discriminator_loss(batch, fake)
    d = criterion.discriminator
    gray = lambda x: torch.from_numpy(ref.gray3(np_(x))).float()  # noqa: E731
    with torch.no_grad():
        real, fake_gray, smooth = (
            np_(d["support"](gray(x))) for x in (batch["anime"], fake.filtered, batch["smooth"])
        )
        nl0, main = np_(d["main"](batch["fake_nl0"])), np_(d["main"](fake.main))
    expected = {
        "d_real": 0.5 * ref.least_squares(real, 0.9),
        "d_fake": 1.0 * ref.least_squares(fake_gray, 0.1),
        "d_smooth": 5.0 * ref.least_squares(smooth, 0.1),  # Shinkai's smooth weight
        "d_main": 0.1 * (ref.least_squares(nl0, 1.0) + ref.least_squares(main, 0.0)),
    }
    for name, value in expected.items():
        assert logs[name].item() == pytest.approx(value, rel=1e-4), name
    assert loss.item() == pytest.approx(sum(expected.values()), rel=1e-4)
    assert logs["d_out_main_real"].item() == pytest.approx(nl0.mean(), rel=1e-4)


def grads_of(generator: GeneratorV3, loss: torch.Tensor) -> dict[str, bool]:
    generator.zero_grad(set_to_none=True)
    loss.backward()
    return {part: any(p.grad is not None and p.grad.abs().sum() > 0 for p in getattr(generator, part).parameters())
            for part in ("base", "support", "main")}  # fmt: skip


def test_support_losses_reach_base_and_support_main_losses_base_and_main(build) -> None:
    criterion = build("v3_hayao", "model.loss.tv=0")
    generator = GeneratorV3()
    batch = full_batch()
    support_only = {"adv_main": 0.0, "main_pixel": 0.0, "main_vgg": 0.0}
    for name, value in support_only.items():
        setattr(criterion, name, value)
    loss, _ = criterion.generator_loss(batch, generator(batch["photo"]))
    assert grads_of(generator, loss) == {"base": True, "support": True, "main": False}
    main_only = build("v3_hayao", "model.loss.tv=0", "model.loss.adv_support=0", "model.loss.content=0",
                      "model.loss.style.conv2_2=0", "model.loss.style.conv3_3=0", "model.loss.style.conv4_4=0",
                      "model.loss.region.generated=0", "model.loss.region.photo=0", "model.loss.color=0")  # fmt: skip
    loss, _ = main_only.generator_loss(batch, generator(batch["photo"]))
    assert grads_of(generator, loss) == {"base": True, "support": False, "main": True}


@pytest.mark.parametrize("loss_preset,main_trained", [("v3_hayao", True), ("v3_shinkai", False)])
def test_pretrain_is_content_to_the_photo(build, loss_preset: str, main_trained: bool) -> None:
    criterion = build(loss_preset)
    generator = GeneratorV3()
    photo = images()
    fake = generator(photo)
    loss, logs = criterion.pretrain({"photo": photo}, fake)
    with torch.no_grad():
        p, s, m = (np_(criterion.vgg(x)) for x in (photo, fake.filtered, fake.main))
    expected = ref.vgg_l1(p, s) + (ref.vgg_l1(p, m) if main_trained else 0.0)
    assert loss.item() == pytest.approx(expected, rel=1e-4)
    assert grads_of(generator, loss)["main"] is main_trained


def test_step_inputs_start_the_targets_from_gs_hat_and_raw_gs(build) -> None:
    criterion = build("v3_hayao")
    fake = fake_outputs()
    batch = {"photo": images()}
    assert criterion.step_inputs("pretrain", batch, fake) is batch
    stepped = criterion.step_inputs("adversarial", batch, fake)
    assert isinstance(stepped, StepBatch) and set(stepped) == {"photo", "fake_superpixel", "fake_nl0"}
    targets = OnlineTargets(**criterion.targets.settings | {"workers": 0}).submit(fake.filtered, fake.support)
    for name in OnlineTargets.NAMES:
        torch.testing.assert_close(stepped[name], targets.get(name))
    wrong = OnlineTargets(**criterion.targets.settings | {"workers": 0}).submit(fake.main, fake.main)
    assert not torch.equal(stepped["fake_nl0"], wrong.get("fake_nl0"))
    assert stepped["photo"] is batch["photo"]


def test_phases_update_g_first_then_both_discriminators_on_a_regenerated_output(build, cfg) -> None:
    criterion = build("v3_hayao")
    generator = GeneratorV3()
    optim = cfg("model=v3").model.optim
    g, d = stage_phases("adversarial", generator, criterion, optim)
    assert (g.name, g.network, g.loss, g.lr, g.regenerate) == (
        "g",
        generator,
        criterion.generator_loss,
        1e-4,
        False,
    )
    assert (d.name, d.network, d.loss, d.lr, d.regenerate) == (
        "d",
        criterion.discriminator,
        criterion.discriminator_loss,
        1e-4,
        True,
    )
    assert set(dict(d.network.named_children())) == {"support", "main"}  # one optimizer over both
    (pretrain,) = stage_phases("pretrain", generator, criterion, optim)
    assert (pretrain.network, pretrain.lr) == (generator, 2e-4)


def test_weights_are_plain_numbers(build) -> None:
    weights = build("v3_shinkai").weights
    assert weights["style"] == {"conv2_2": 0.1, "conv3_3": 2.0, "conv4_4": 28.0}
    assert (
        weights["targets"]["superpixel"]["min_size"] == 100 and weights["targets"]["nlmeans"]["template"] == 6
    )
    assert type(weights["region"]) is dict and weights["pretrain"] == {"support": 1.0, "main": 0.0}
