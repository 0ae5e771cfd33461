"""Composition of every config group option of animegan-train, the stage plan and the wandb mode choice."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

from animegan.training.runner import StagePlan, objective, plan_stages, stage_strategy
from animegan.training.wandb_setup import prepare_wandb

CONF = Path(__file__).resolve().parents[2] / "conf"
# The reference table (section 3 of the method reference): adv G/D, content, style, colour, TV, D split.
REFERENCE_WEIGHTS = {
    "v1": (300, 300, 1.5, 3.0, 10, 0, (1, 1, 1, 0.1)),
    "hayao": (300, 300, 1.5, 2.5, 15, 1, (1.2, 1.2, 1.2, 0.8)),
    "paprika": (300, 300, 2.0, 0.6, 50, 0.1, (1.0, 1.0, 1.0, 0.005)),
    "shinkai": (300, 300, 1.2, 2.0, 10, 1, (1.7, 1.7, 1.7, 1.0)),
}


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def make_cfg(*overrides: str, hydra_node: bool = False) -> DictConfig:
    with initialize_config_module("animegan.conf", version_base="1.3"):
        cfg = compose(
            "train", overrides=["paths.output_dir=/tmp/run", *overrides], return_hydra_config=hydra_node
        )
    return cfg


def test_every_group_has_its_options() -> None:
    assert options("model") == ["v1", "v2"]
    assert options("loss") == ["hayao", "paprika", "shinkai", "v1"]
    assert options("trainer") == ["cpu", "ddp", "ddp_sim", "gpu"]
    assert options("logger") == ["csv", "none", "tensorboard", "wandb"]
    assert set(options("experiment")) >= {"demo", "hayao", "paprika", "shinkai"}
    assert options("debug") == ["fdr", "overfit"]


@pytest.mark.parametrize("preset", sorted(REFERENCE_WEIGHTS))
def test_loss_presets_hold_the_reference_weights(preset: str) -> None:
    loss = make_cfg(f"loss={preset}").model.loss
    adv_g, adv_d, content, style, color, tv, split = REFERENCE_WEIGHTS[preset]
    assert (loss.adv_g, loss.adv_d, loss.content, loss.style, loss.color, loss.tv) == (
        adv_g,
        adv_d,
        content,
        style,
        color,
        tv,
    )
    assert tuple(loss.d_split[k] for k in ("real", "fake", "gray", "smooth")) == split


def test_model_options_pick_architecture_and_schedule() -> None:
    v1, v2 = make_cfg("model=v1", "loss=v1").model, make_cfg().model
    assert (v1.generator, v1.discriminator.version, v1.optim.init_lr, v1.optim.g_lr, v1.optim.d_lr) == (
        "v1",
        "v1",
        1e-4,
        8e-5,
        1.6e-4,
    )
    assert (v1.stages.pretrain_epochs, v1.stages.adversarial_epochs) == (5, 96)
    assert v1.loss.tv == 0 and v1.loss.style == 3.0
    assert (v2.generator, v2.discriminator.version, v2.optim.init_lr, v2.optim.g_lr, v2.optim.d_lr) == (
        "v2",
        "v2",
        2e-4,
        2e-5,
        4e-5,
    )
    assert list(v2.optim.betas) == [0.5, 0.999] and v2.loss.style == 2.5  # v2 + Hayao weights by default


@pytest.mark.parametrize("name", ["hayao", "shinkai", "paprika"])
def test_reference_experiments(name: str) -> None:
    cfg = make_cfg(f"experiment={name}")
    assert cfg.data.style == name.capitalize()
    assert (cfg.data.image_size, cfg.data.batch_size) == (256, 12)
    assert (cfg.model.stages.pretrain_epochs, cfg.model.stages.adversarial_epochs) == (10, 91)
    assert cfg.model.loss.style == REFERENCE_WEIGHTS[name][3]


def test_demo_experiment_is_offline_and_small() -> None:
    cfg = make_cfg("experiment=demo")
    assert cfg.model.vgg.weights == "random" and cfg.trainer.accelerator == "cpu"
    assert cfg.data.style == "Demo" and cfg.data.image_size <= 128
    assert "wandb" not in (cfg.logger or {})


@pytest.mark.parametrize("trainer", ["cpu", "gpu", "ddp", "ddp_sim"], ids=lambda name: f"trainer_{name}")
def test_trainer_options(trainer: str) -> None:
    cfg = make_cfg(f"trainer={trainer}").trainer
    expected = {
        "cpu": ("cpu", 1, "auto", "32-true"),
        "gpu": ("gpu", 1, "auto", "16-mixed"),
        "ddp": ("gpu", 4, "ddp", "16-mixed"),
        "ddp_sim": ("cpu", 2, "ddp_spawn", "32-true"),
    }[trainer]
    assert (cfg.accelerator, cfg.devices, cfg.strategy, cfg.precision) == expected
    assert cfg.use_distributed_sampler is False  # the data module shards by rank itself
    assert cfg.log_every_n_steps == 1  # loss terms, D outputs and learning rates are logged every step


@pytest.mark.parametrize("logger", ["wandb", "csv", "tensorboard", "none"])
def test_logger_options_write_under_the_run_dir(logger: str) -> None:
    loggers = make_cfg(f"logger={logger}").logger or {}
    assert list(loggers) == ([] if logger == "none" else [logger])
    for node in loggers.values():
        assert node.save_dir == "/tmp/run"


def test_debug_options() -> None:
    fdr = make_cfg("debug=fdr")
    assert fdr.trainer.fast_dev_run is True and not fdr.logger
    overfit = make_cfg("debug=overfit")
    assert overfit.trainer.overfit_batches == 1


def test_callbacks_and_paths() -> None:
    cfg = make_cfg()
    assert cfg.callbacks.model_checkpoint.dirpath == "/tmp/run/checkpoints"
    assert cfg.callbacks.model_checkpoint.save_last is True
    assert cfg.callbacks.generator_export.path == "/tmp/run/generator.pt"
    assert cfg.callbacks.sample_grid.dirpath == "/tmp/run/samples"
    assert cfg.data.root == cfg.paths.data_dir


def test_slurm_launcher_ties_nodes_and_tasks_to_the_trainer() -> None:
    cfg = make_cfg(
        "hydra/launcher=slurm", "trainer=ddp", "trainer.num_nodes=2", "trainer.devices=8", hydra_node=True
    )
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("SlurmLauncher")
    assert (launcher.nodes, launcher.tasks_per_node, launcher.gpus_per_node) == (2, 8, 8)


def test_optuna_search_space_is_over_the_loss_weights() -> None:
    cfg = make_cfg("hparams_search=optuna", hydra_node=True)
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_.endswith("OptunaSweeper") and sweeper.direction == "minimize"
    assert sweeper.params and all(key.startswith("model.loss.") for key in sweeper.params)


def test_objective_is_style_plus_weighted_content() -> None:
    cfg = make_cfg("objective.content_weight=0.5")
    metrics = {"val/style_distance": torch.tensor(2.0), "val/content_distance": torch.tensor(4.0)}
    assert objective(metrics, cfg) == pytest.approx(4.0)
    assert objective({}, cfg) is None


def test_stage_plan(tmp_path: Path) -> None:
    cfg = make_cfg()
    assert plan_stages(cfg, tmp_path) == [StagePlan("pretrain"), StagePlan("adversarial")]
    assert plan_stages(make_cfg("model.stages.pretrain_epochs=0"), tmp_path) == [StagePlan("adversarial")]
    assert plan_stages(make_cfg("init_generator=g.pt"), tmp_path) == [StagePlan("adversarial")]
    resume = make_cfg("resume=true")
    from animegan.errors import WeightsError

    with pytest.raises(WeightsError, match="nothing to resume"):
        plan_stages(resume, tmp_path)
    for stage in ("pretrain", "adversarial"):
        path = tmp_path / "checkpoints" / stage / "last.ckpt"
        path.parent.mkdir(parents=True)
        torch.save({"animegan_stage": stage}, path)
        expected = [StagePlan(stage, path)] + ([StagePlan("adversarial")] if stage == "pretrain" else [])
        assert plan_stages(resume, tmp_path) == expected
        assert plan_stages(make_cfg(f"ckpt_path={path}"), Path("/elsewhere")) == expected


def test_adversarial_ddp_looks_for_unused_parameters() -> None:
    assert stage_strategy("ddp", "adversarial") == "ddp_find_unused_parameters_true"
    assert stage_strategy("ddp_spawn", "adversarial") == "ddp_spawn_find_unused_parameters_true"
    assert stage_strategy("ddp", "pretrain") == "ddp"
    assert stage_strategy("auto", "adversarial") == "auto"


def test_wandb_goes_offline_without_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    for name in ("WANDB_MODE", "WANDB_API_KEY", "WANDB_DIR"):
        monkeypatch.delenv(name, raising=False)
    cfg = make_cfg("logger=wandb")
    assert prepare_wandb(cfg) is True
    import os

    assert os.environ["WANDB_MODE"] == "offline" and os.environ["WANDB_DIR"] == "/tmp/run"
    monkeypatch.setenv("WANDB_MODE", "disabled")
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    assert prepare_wandb(cfg) is True and os.environ["WANDB_MODE"] == "disabled"  # an explicit mode is kept
    assert prepare_wandb(make_cfg("logger=csv")) is False
    assert OmegaConf.select(cfg, "logger.wandb.save_dir") == "/tmp/run"
