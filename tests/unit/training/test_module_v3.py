"""AnimeGANModule with model=v3 on synthetic batches: the step order (G, then both Ds on G(photo) recomputed
with the updated G), online targets from the pre-update G, logged terms, AMP, checkpoints + resume, pickling."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from helpers.synthetic_training import V3_KEYS, SyntheticData
from helpers.synthetic_training import fit as synthetic_fit

from animegan.nets.generator_v3 import V3Output
from animegan.training.callbacks import AtomicCheckpointIO
from animegan.training.module import AnimeGANModule
from animegan.training.runner import build_module
from animegan.training.targets_v3 import OnlineTargets
from animegan.weights.io import extract_generator_state

SIZE = 32
SMALL = ["model=v3", "model.vgg.weights=random", "model.discriminator.ch=8", "model.val.style_sample=2",
         "model.fast.channels_last=false", "model.fast.fused_optimizer=false", "model.loss.targets.workers=0"]  # fmt: skip


@pytest.fixture
def make_module(cfg):
    def make(stage: str, *overrides: str) -> AnimeGANModule:
        return build_module(cfg(*SMALL, *overrides), stage)

    return make


def fit(module: AnimeGANModule, **trainer_args) -> pl.Trainer:
    return synthetic_fit(module, keys=V3_KEYS, **trainer_args)


def test_adversarial_step_is_g_then_d_on_the_updated_generator(make_module) -> None:
    module = make_module("adversarial")
    photo = next(iter(SyntheticData(V3_KEYS).train_dataloader()))["photo"]
    with torch.no_grad():
        before = module.generator.train()(photo)
    seen = {}
    g_loss, d_loss = module.criterion.generator_loss, module.criterion.discriminator_loss
    order = []

    def record_g(batch, fake):
        order.append("g")
        return g_loss(batch, fake)

    def record_d(batch, fake):
        order.append("d")
        seen.update(
            main=fake.main.clone(), nl0=batch["fake_nl0"].clone(), superpixel=batch["fake_superpixel"].clone()
        )
        return d_loss(batch, fake)

    module.phases = tuple(
        type(p)(p.name, p.network, record_g if p.name == "g" else record_d, p.lr, p.regenerate)
        for p in module.phases
    )
    forwards = []
    module.generator.register_forward_hook(lambda *_: forwards.append(1))
    trainer = fit(module, limit_val_batches=0, limit_train_batches=1)
    assert order == ["g", "d"] and len(forwards) == 2  # shared forward, then the regenerated one for D
    assert trainer.global_step == 2
    with torch.no_grad():
        after = module.generator.train()(photo)
    torch.testing.assert_close(seen["main"], after.main)  # D saw G after its update
    assert not torch.allclose(seen["main"], before.main)
    targets = OnlineTargets(**module.criterion.targets.settings).submit(before.filtered, before.support)
    torch.testing.assert_close(seen["nl0"], targets.get("fake_nl0"))  # targets from the pre-update G
    torch.testing.assert_close(seen["superpixel"], targets.get("fake_superpixel"))
    logged = set(trainer.callback_metrics)
    for name in ("adv_support", "content", "style", "style_conv3_3", "region_generated", "region_photo", "color",
                 "tv", "adv_main", "main_pixel", "main_vgg", "tv_main", "loss_g", "d_real", "d_fake", "d_smooth",
                 "d_main", "loss_d", "lr_g", "lr_d", "targets_blocked_s", "d_out_main_real"):  # fmt: skip
        assert f"adversarial/{name}" in logged, name


def test_pretrain_trains_the_generator_only(make_module) -> None:
    module = make_module("pretrain")
    assert module.discriminator is None and module.criterion.targets._executor is None
    before = {k: v.clone() for k, v in module.generator.state_dict().items()}
    trainer = fit(module, limit_val_batches=0)
    assert trainer.global_step == 2
    assert any(
        not torch.equal(before[k], v) for k, v in module.generator.state_dict().items() if "support" in k
    )
    assert "pretrain/content_main" in trainer.callback_metrics  # Hayao's main-tail pretrain term


def test_bf16_mixed_with_channels_last_trains_with_finite_losses(make_module) -> None:
    module = make_module("adversarial", "model.fast.channels_last=true")
    trainer = fit(module, precision="bf16-mixed", limit_train_batches=1)
    metrics = trainer.callback_metrics
    assert torch.isfinite(metrics["adversarial/loss_g"]) and torch.isfinite(metrics["adversarial/loss_d"])
    assert metrics["val/content_distance"] > 0


def test_checkpoint_holds_both_tails_and_resumes_at_the_step(make_module, tmp_path: Path) -> None:
    from pytorch_lightning.callbacks import ModelCheckpoint

    module = make_module("adversarial")
    ckpt = ModelCheckpoint(dirpath=tmp_path, save_last=True)
    fit(module, limit_train_batches=1, limit_val_batches=0, enable_checkpointing=True, callbacks=[ckpt],
        plugins=[AtomicCheckpointIO()])  # fmt: skip
    checkpoint = torch.load(tmp_path / "last.ckpt", map_location="cpu", weights_only=True)
    state = extract_generator_state(checkpoint)
    assert (
        any(k.startswith("support.") for k in state)
        and checkpoint["hyper_parameters"]["loss"]["d_main"] == 0.1
    )
    assert any(k.startswith("criterion.discriminator.main.") for k in checkpoint["state_dict"])
    resumed = make_module("adversarial")
    trainer = pl.Trainer(accelerator="cpu", max_epochs=2, logger=False, enable_progress_bar=False,
                         enable_checkpointing=False, limit_train_batches=1, limit_val_batches=0)  # fmt: skip
    trainer.fit(
        resumed, datamodule=SyntheticData(V3_KEYS), ckpt_path=tmp_path / "last.ckpt", weights_only=True
    )
    assert trainer.global_step == 4


def test_module_pickles_for_ddp_spawn_with_phases_on_the_copies(make_module) -> None:
    module = make_module("adversarial", "model.loss.targets.workers=1", "model.loss.targets.backend=thread")
    module.criterion.targets.submit(torch.zeros(1, 3, 16, 16), torch.zeros(1, 3, 16, 16)).get("fake_nl0")
    copy = pickle.loads(pickle.dumps(module))
    module.criterion.close()
    assert copy.phases[0].network is copy.generator and copy.phases[1].network is copy.discriminator
    assert copy.phases[1].loss.__self__ is copy.criterion and copy.criterion.targets._executor is None
    torch.testing.assert_close(copy.state_dict(), module.state_dict())


def test_validation_uses_the_main_tail(make_module) -> None:
    module = make_module("adversarial")
    photo = torch.rand(2, 3, SIZE, SIZE) * 2 - 1
    with torch.no_grad():
        assert not isinstance(module.generator.eval()(photo), V3Output)


def test_a_deployed_generator_cannot_start_training_and_says_why(make_module) -> None:
    from animegan.errors import WeightsError

    module = make_module("adversarial")
    with pytest.raises(WeightsError, match=r"lack \d+ tensors \(e.g. support\..*start from a checkpoint"):
        module.load_generator_state(module.generator.deploy().state_dict())
    module.load_generator_state(module.generator.state_dict())  # the full training generator loads
