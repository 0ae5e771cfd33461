"""AnimeGANModule built from the composed config, on synthetic batches: what each stage trains, optimizers,
pickling (ddp_spawn), checkpoints, non-finite losses."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from helpers.synthetic_training import SMALL, NormAtStep, SyntheticData, changed, fit, snapshot

from animegan.nets import Generator
from animegan.training.callbacks import AtomicCheckpointIO
from animegan.training.module import AnimeGANModule, NonFiniteLossError
from animegan.training.runner import build_module
from animegan.weights.io import extract_generator_state


@pytest.fixture
def make_module(cfg):
    """``make_module(stage, *overrides)``: the module of ``stage`` as the runner builds it from the config."""

    def make(stage: str, *overrides: str) -> AnimeGANModule:
        return build_module(cfg(*SMALL, *overrides), stage)

    return make


def test_pretrain_has_no_discriminator_and_trains_only_the_generator(make_module) -> None:
    module = make_module("pretrain", "model.optim.init_lr=1e-3")
    assert module.discriminator is None
    assert not any("discriminator" in name for name, _ in module.named_parameters())
    g_before, vgg_before = snapshot(module.generator), snapshot(module.criterion.vgg)
    trainer = fit(module, limit_val_batches=0)
    assert changed(g_before, module.generator)
    assert not changed(vgg_before, module.criterion.vgg)
    assert trainer.global_step == 2  # 2 batches x 1 optimizer
    assert float(trainer.callback_metrics["pretrain/lr_g"]) == pytest.approx(1e-3)


def test_adversarial_step_updates_d_then_g_with_one_generator_forward(make_module) -> None:
    module = make_module("adversarial")
    calls = []
    module.generator.register_forward_hook(lambda *_: calls.append(1))
    g_before, d_before = snapshot(module.generator), snapshot(module.discriminator)
    vgg_before = snapshot(module.criterion.vgg)
    trainer = fit(module, limit_val_batches=0, limit_train_batches=1)
    assert len(calls) == 1  # G(photo) computed once and reused by the D and G phases
    assert trainer.global_step == 2  # one D step + one G step
    assert changed(g_before, module.generator) and changed(d_before, module.discriminator)
    assert not changed(vgg_before, module.criterion.vgg)
    logged = set(trainer.callback_metrics)
    for name in ("adv", "content", "style", "color", "tv", "loss_g", "loss_d", "lr_g", "lr_d"):
        assert f"adversarial/{name}" in logged
    for name in ("real", "fake", "gray", "smooth"):
        assert f"adversarial/d_out_{name}" in logged and f"adversarial/d_{name}" in logged


def test_bf16_mixed_and_fast_options_train_with_finite_losses(make_module) -> None:
    module = make_module("adversarial", "model.fast.channels_last=true", "model.fast.fused_optimizer=true")
    assert all(optimizer.defaults["fused"] for optimizer in module.configure_optimizers())
    trainer = fit(module, precision="bf16-mixed", limit_train_batches=1)
    metrics = trainer.callback_metrics
    assert torch.isfinite(metrics["adversarial/loss_g"]) and torch.isfinite(metrics["adversarial/loss_d"])
    assert module.generator.block_a[0][1].weight.is_contiguous(memory_format=torch.channels_last)
    assert metrics["val/content_distance"] > 0 and "val/style_distance" in metrics


def test_non_finite_loss_stops_with_the_term_and_step(make_module) -> None:
    module = make_module("adversarial", "model.loss.style=inf")
    with pytest.raises(
        NonFiniteLossError, match=r"loss term 'style' became inf at step 1 of stage adversarial"
    ):
        fit(module, limit_val_batches=0)


def test_checkpoint_is_plain_and_holds_the_generator(make_module, tmp_path: Path) -> None:
    from pytorch_lightning.callbacks import ModelCheckpoint

    module = make_module("adversarial")
    ckpt = ModelCheckpoint(dirpath=tmp_path, save_last=True)
    fit(module, limit_train_batches=1, limit_val_batches=0, enable_checkpointing=True, callbacks=[ckpt],
        plugins=[AtomicCheckpointIO()])  # fmt: skip
    checkpoint = torch.load(tmp_path / "last.ckpt", map_location="cpu", weights_only=True)
    assert checkpoint["animegan_stage"] == "adversarial"
    assert (
        type(checkpoint["hyper_parameters"]) is dict
        and checkpoint["hyper_parameters"]["stage"] == "adversarial"
    )
    hparams = checkpoint["hyper_parameters"]
    assert set(hparams) == {
        "stage",
        "optim",
        "stages",
        "fast",
        "val",
        "loss",
        "ema",
        "metrics",
    }  # no networks, no factories
    assert (
        type(hparams["metrics"]) is dict and "every_n_val" in hparams["metrics"]
    )  # the val/kid_style settings
    assert hparams["loss"] == module.criterion.weights and type(hparams["loss"]["d_split"]) is dict
    assert not any(k.startswith("criterion.vgg.") for k in checkpoint["state_dict"])  # frozen VGG not stored
    generator = Generator()
    generator.load_state_dict(extract_generator_state(checkpoint), strict=True)
    torch.testing.assert_close(generator.state_dict(), module.generator.state_dict())
    assert not list(tmp_path.glob(".*partial*"))  # atomic writes leave no temp files

    resumed = make_module("adversarial")
    trainer = pl.Trainer(accelerator="cpu", max_epochs=2, logger=False, enable_progress_bar=False,
                         enable_checkpointing=False, limit_train_batches=1, limit_val_batches=0)  # fmt: skip
    trainer.fit(resumed, datamodule=SyntheticData(), ckpt_path=tmp_path / "last.ckpt", weights_only=True)
    assert (
        trainer.global_step == 4
    )  # continued from step 2 for one more epoch of one batch (2 optimizer steps)


def test_each_phase_gets_an_optimizer_over_its_network_at_its_lr(make_module) -> None:
    module = make_module("adversarial", "model.optim.d_lr=0.3", "model.optim.g_lr=0.2")
    d_opt, g_opt = module.configure_optimizers()
    assert (d_opt.param_groups[0]["lr"], g_opt.param_groups[0]["lr"]) == (0.3, 0.2)
    assert d_opt.param_groups[0]["params"] == list(module.discriminator.parameters())
    assert g_opt.param_groups[0]["params"] == list(module.generator.parameters())
    assert tuple(g_opt.defaults["betas"]) == (0.5, 0.999) and not g_opt.defaults["fused"]


def test_module_pickles_for_ddp_spawn_with_phases_on_the_copies(make_module) -> None:
    module = make_module("adversarial")
    copy = pickle.loads(pickle.dumps(module))
    assert copy.phases[0].network is copy.discriminator and copy.phases[1].network is copy.generator
    assert copy.phases[0].loss.__self__ is copy.criterion
    torch.testing.assert_close(copy.state_dict(), module.state_dict())
    assert copy.hparams == module.hparams


@pytest.mark.slow  # fp16 autocast on CPU is slow
@pytest.mark.parametrize("fused", [False, True])
def test_grad_clip_under_16_mixed_clips_the_unscaled_gradients(make_module, fused: bool) -> None:
    """16-mixed with a real GradScaler on CPU (fp16 autocast): each step uses gradients of norm grad_clip."""
    from pytorch_lightning.plugins.precision import MixedPrecision

    clip = 1e-3  # far below the true gradient norms: every step is clipped
    unclipped = NormAtStep()
    fit(make_module("adversarial", f"model.fast.fused_optimizer={fused}"), limit_train_batches=1,
        limit_val_batches=0, callbacks=[unclipped])  # fmt: skip
    assert min(unclipped.norms) > 100 * clip
    seen = NormAtStep()
    scaler = torch.amp.GradScaler("cpu", init_scale=8.0)
    module = make_module(
        "adversarial", f"model.optim.grad_clip={clip}", f"model.fast.fused_optimizer={fused}"
    )
    fit(module, limit_train_batches=1, limit_val_batches=0, callbacks=[seen],
        plugins=[MixedPrecision("16-mixed", "cpu", scaler=scaler)])  # fmt: skip
    assert len(seen.norms) == 2  # D step + G step, none skipped for inf gradients
    assert seen.norms == pytest.approx([clip] * 2, rel=1e-3)
    assert scaler.get_scale() == 8.0  # the scaler really scaled the losses (and found no inf)


def test_a_bf16_channels_last_step_feeds_every_conv_bf16_channels_last_and_vgg_twice(make_module) -> None:
    """Under bf16-mixed with channels_last, every conv of G, D and VGG gets a bf16 NHWC input (nothing widened
    to float32 or turned back to NCHW on the way), and VGG runs twice per step: once on photo + anime gray
    concatenated (targets, no graph), once on G(photo)."""
    module = make_module("adversarial", "model.fast.channels_last=true")
    seen: list[tuple[str, torch.dtype, bool]] = []

    def record(name: str):
        def hook(conv: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
            x = inputs[0]
            seen.append((name, x.dtype, x.is_contiguous(memory_format=torch.channels_last)))

        return hook

    networks = {"G": module.generator, "D": module.discriminator, "VGG": module.criterion.vgg}
    for name, network in networks.items():
        for layer in network.modules():
            if isinstance(layer, torch.nn.Conv2d) and layer.in_channels > 3:
                layer.register_forward_pre_hook(record(name))
    vgg_batches: list[int] = []
    module.criterion.vgg.register_forward_pre_hook(lambda m, inputs: vgg_batches.append(len(inputs[0])))
    fit(module, precision="bf16-mixed", limit_train_batches=1, limit_val_batches=0)
    assert {name for name, _, _ in seen} == set(networks)
    assert all(dtype == torch.bfloat16 and nhwc for _, dtype, nhwc in seen), sorted(set(seen))
    assert vgg_batches == [4, 2]  # batch 2: [photo; anime gray] once, then G(photo)


def test_the_compile_option_reaches_the_networks(make_module) -> None:
    """``model.fast.compile`` compiles G, D and VGG in place at set-up (parameter names unchanged)."""
    for flag in (False, True):
        module = make_module("adversarial", f"model.fast.compile={flag}")
        names = [name for name, _ in module.named_parameters()]
        module.setup("fit")
        networks = (module.generator, module.discriminator, module.criterion.vgg)
        assert all((network._compiled_call_impl is not None) == flag for network in networks)
        assert [name for name, _ in module.named_parameters()] == names
