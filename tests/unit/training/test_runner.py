"""The runner's pure parts: the stage plan, the DDP strategy per stage, the sweep objective, building the module."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from animegan.errors import WeightsError
from animegan.training import runner
from animegan.training.runner import build_module, objective, stage_strategy
from animegan.training.stage_plan import StagePlan, plan_stages


def test_objective_is_style_plus_weighted_content(cfg) -> None:
    composed = cfg("objective.content_weight=0.5")
    metrics = {"val/style_distance": torch.tensor(2.0), "val/content_distance": torch.tensor(4.0)}
    assert objective(metrics, composed) == pytest.approx(4.0)
    assert objective({}, composed) is None


def test_stage_plan(cfg, tmp_path: Path) -> None:
    assert plan_stages(cfg(), tmp_path) == [StagePlan("pretrain"), StagePlan("adversarial")]
    assert plan_stages(cfg("model.stages.pretrain_epochs=0"), tmp_path) == [StagePlan("adversarial")]
    assert plan_stages(cfg("init_generator=g.pt"), tmp_path) == [StagePlan("adversarial")]
    resume = cfg("resume=true")
    with pytest.raises(WeightsError, match="nothing to resume"):
        plan_stages(resume, tmp_path)
    assert plan_stages(cfg("resume=auto"), tmp_path) == plan_stages(
        cfg(), tmp_path
    )  # a requeued job's first try
    for stage in ("pretrain", "adversarial"):
        path = tmp_path / "checkpoints" / stage / "last.ckpt"
        path.parent.mkdir(parents=True)
        torch.save({"animegan_stage": stage}, path)
        expected = [StagePlan(stage, path)] + ([StagePlan("adversarial")] if stage == "pretrain" else [])
        assert plan_stages(resume, tmp_path) == expected
        assert plan_stages(cfg("resume=auto"), tmp_path) == expected
        assert plan_stages(cfg(f"ckpt_path={path}"), Path("/elsewhere")) == expected


def test_adversarial_ddp_looks_for_unused_parameters() -> None:
    assert stage_strategy("ddp", "adversarial") == "ddp_find_unused_parameters_true"
    assert stage_strategy("ddp_spawn", "adversarial") == "ddp_spawn_find_unused_parameters_true"
    assert stage_strategy("ddp", "pretrain") == "ddp"
    assert stage_strategy("auto", "adversarial") == "auto"


def test_build_module_instantiates_the_model_node_with_plain_containers(cfg) -> None:
    composed = cfg("model=v1", "loss=v1", "model.vgg.weights=random", "model.optim.grad_clip=2.0")
    module = build_module(composed, "adversarial")
    assert module.stage == "adversarial" and type(module.generator).__name__ == "GeneratorV1"
    assert module.discriminator.config["version"] == "v1"
    assert module.criterion.style == composed.model.loss.style and type(module.criterion.d_split) is dict
    assert type(module.hparams["optim"]) is dict and module.hparams["optim"]["grad_clip"] == 2.0
    weights = {
        k: v for k, v in composed.model.loss.items() if not k.startswith("_") and k != "batched_discriminator"
    }
    assert module.hparams["loss"] == weights  # the loss weights are recorded, as plain numbers
    assert [phase.lr for phase in module.phases] == [composed.model.optim.d_lr, composed.model.optim.g_lr]


def test_the_module_tells_ddp_where_parameters_stay_unused(cfg) -> None:
    small = ["model.vgg.weights=random", "model.loss.targets.workers=0"]
    shinkai = build_module(cfg("model=v3", "loss=v3_shinkai", *small), "pretrain")
    hayao = build_module(cfg("model=v3", *small), "pretrain")
    assert (
        shinkai.leaves_parameters_unused and not hayao.leaves_parameters_unused
    )  # Shinkai: no main-tail term
    assert build_module(cfg("model.vgg.weights=random"), "adversarial").leaves_parameters_unused
    assert stage_strategy("ddp_spawn", "pretrain", shinkai.leaves_parameters_unused).endswith("_true")
    assert stage_strategy("ddp", "pretrain", hayao.leaves_parameters_unused) == "ddp"


@pytest.mark.parametrize("has_bf16", [False, True])
def test_the_cpu_trainer_trains_in_bf16_autocast_exactly_when_the_cpu_has_bf16(
    cfg, monkeypatch: pytest.MonkeyPatch, has_bf16: bool
) -> None:
    """conf/trainer/cpu.yaml says ``precision: auto``; the runner makes it bf16-mixed on a bf16 CPU, else fp32."""
    monkeypatch.setattr(runner, "cpu_has_bf16", lambda: has_bf16)
    composed = cfg("experiment=demo", "logger=none", "~callbacks")
    assert composed.trainer.precision == "auto"
    trainer = runner.build_trainer(composed, "adversarial", [])
    assert trainer.precision == ("bf16-mixed" if has_bf16 else "32-true")
    fp32 = cfg("experiment=demo", "logger=none", "~callbacks", "trainer.precision=32-true")
    assert runner.build_trainer(fp32, "adversarial", []).precision == "32-true"


def test_auto_precision_is_16_mixed_on_cuda_and_explicit_values_pass_through() -> None:
    assert runner.resolve_precision("auto", "gpu") == "16-mixed"
    assert runner.resolve_precision("bf16-mixed", "cpu") == "bf16-mixed"
    assert runner.resolve_precision("32-true", "gpu") == "32-true"
