"""Generator EMA: the average against a hand computation, inside the module's steps, in checkpoints and resume."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from helpers.synthetic_training import SMALL, SyntheticData, fit, snapshot
from torch import nn

from animegan.training.ema import align_checkpoint, averaged, checkpoint_ema, make_ema
from animegan.training.runner import build_module


def test_average_of_a_known_sequence_of_weights() -> None:
    net = nn.Linear(2, 1)
    ema = make_ema(net, 0.9)
    assert averaged(ema) is None  # no step yet: validation uses the generator itself
    sequence = [[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [0.0, 0.0, 10.0], [-4.0, 8.0, 2.0]]
    expected = None
    for values in sequence:
        with torch.no_grad():
            net.weight.copy_(torch.tensor([values[:2]]))
            net.bias.copy_(torch.tensor([values[2]]))
        ema.update_parameters(net)
        current = torch.tensor(values, dtype=torch.float64)
        expected = current if expected is None else 0.9 * expected + 0.1 * current  # first update copies
    got = torch.cat([averaged(ema).weight.flatten(), averaged(ema).bias]).double()
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-6)
    assert int(ema.n_averaged) == 4 and not any(p.requires_grad for p in ema.parameters())
    assert make_ema(net, None) is None
    with pytest.raises(ValueError, match="model.ema.decay"):
        make_ema(net, 1.5)


class GeneratorAfterEachBatch(pl.Callback):
    def __init__(self) -> None:
        self.states: list[dict[str, torch.Tensor]] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.states.append(snapshot(pl_module.generator))


@pytest.fixture
def ema_module(cfg):
    def make(stage: str = "pretrain", decay: str = "0.5", *overrides: str):
        return build_module(cfg(*SMALL, f"model.ema.decay={decay}", *overrides), stage)

    return make


def test_module_averages_the_generator_after_each_of_its_steps(ema_module) -> None:
    module = ema_module()
    seen = GeneratorAfterEachBatch()
    fit(module, limit_train_batches=2, limit_val_batches=0, callbacks=[seen])
    first, second = seen.states
    for key, value in module.generator_ema.module.state_dict().items():
        if value.is_floating_point():
            torch.testing.assert_close(value, 0.5 * first[key] + 0.5 * second[key])
    assert module.sample_generator is module.generator_ema.module
    assert module.hparams["ema"] == {"decay": 0.5}


def test_validation_samples_come_from_the_average(ema_module) -> None:
    module = ema_module()
    trainer = fit(module, limit_train_batches=2, limit_val_batches=1)
    photo = next(iter(SyntheticData().val_dataloader()))["photo"]
    with torch.no_grad():
        from_ema, from_g = module.generator_ema.module(photo), module.generator(photo)
    assert not torch.allclose(from_ema, from_g)  # the average differs from the last weights
    torch.testing.assert_close(module.val_summary["fake"], from_ema)
    assert trainer.callback_metrics["val/content_distance"] > 0


def test_checkpoint_keeps_the_average_and_resume_restores_it(ema_module, tmp_path: Path) -> None:
    from pytorch_lightning.callbacks import ModelCheckpoint

    module = ema_module()
    fit(module, limit_train_batches=2, limit_val_batches=0, enable_checkpointing=True,
        callbacks=[ModelCheckpoint(dirpath=tmp_path, save_last=True)])  # fmt: skip
    checkpoint = torch.load(tmp_path / "last.ckpt", map_location="cpu", weights_only=True)
    assert int(checkpoint["state_dict"]["generator_ema.n_averaged"]) == 2
    resumed = ema_module()
    trainer = pl.Trainer(accelerator="cpu", max_epochs=1, logger=False, enable_progress_bar=False,
                         enable_checkpointing=False, limit_train_batches=2, limit_val_batches=0)  # fmt: skip
    trainer.fit(resumed, datamodule=SyntheticData(), ckpt_path=tmp_path / "last.ckpt", weights_only=True)
    torch.testing.assert_close(resumed.generator_ema.state_dict(), module.generator_ema.state_dict())


def test_a_checkpoint_without_ema_fits_a_module_with_it_and_back(ema_module) -> None:
    with_ema, without = ema_module(), ema_module("pretrain", "null")
    state = without.state_dict()
    align_checkpoint(state, with_ema.generator_ema)
    assert int(state["generator_ema.n_averaged"]) == 0  # restarts from the saved generator at the next step
    torch.testing.assert_close(
        state["generator_ema.module.out_layer.0.weight"], state["generator.out_layer.0.weight"]
    )
    with_ema.load_state_dict(state, strict=True)
    state = with_ema.state_dict()
    align_checkpoint(state, None)
    without.load_state_dict(state, strict=True)


def test_checkpoint_ema_reads_the_average_not_the_generator(tmp_path: Path) -> None:
    generator, average = {"w": torch.zeros(2)}, {"w": torch.ones(2)}
    state = {f"generator.{k}": v for k, v in generator.items()}
    torch.save({"state_dict": state}, tmp_path / "plain.ckpt")
    state |= {f"generator_ema.module.{k}": v for k, v in average.items()} | {
        "generator_ema.n_averaged": torch.tensor(3)
    }
    torch.save({"state_dict": state}, tmp_path / "ema.ckpt")
    assert checkpoint_ema(tmp_path / "plain.ckpt") is None
    read = checkpoint_ema(tmp_path / "ema.ckpt")
    assert read is not None and set(read) == {"w"}
    torch.testing.assert_close(read["w"], average["w"])


def test_the_average_survives_pickling_for_ddp_spawn() -> None:
    generator = nn.Linear(2, 2)
    ema = make_ema(generator, 0.5)
    ema.update_parameters(generator)
    copy = pickle.loads(pickle.dumps(ema))
    with torch.no_grad():
        generator.weight.add_(2.0)
    copy.update_parameters(generator)
    torch.testing.assert_close(copy.module.weight, generator.weight - 1.0)
