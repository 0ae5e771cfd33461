"""Composition of every config group option of animegan-train (conf/), through the shared ``cfg`` fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf
from omegaconf.errors import MissingMandatoryValue

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


def test_every_group_has_its_options() -> None:
    assert options("model") == ["base", "v1", "v2", "v3"]  # base: what every model shares
    assert options("loss") == [
        "hayao",
        "paprika",
        "shinkai",
        "v1",
        "v1_demo",
        "v2_demo",
        "v3_demo",
        "v3_hayao",
        "v3_shinkai",
    ]
    assert options("trainer") == ["cpu", "ddp", "ddp_sim", "gpu"]
    assert options("logger") == ["csv", "none", "tensorboard", "wandb"]
    assert set(options("experiment")) >= {"demo", "hayao", "paprika", "shinkai", "v2_reference"}
    assert set(options("experiment")) >= {"v3_hayao", "v3_shinkai", "v3_reference"}
    assert options("debug") == ["fdr", "overfit"]


def test_model_base_leaves_architecture_and_schedule_to_v1_and_v2(cfg) -> None:
    base = cfg("model=base").model
    for key in ("generator.arch", "discriminator.version", "optim.init_lr", "stages.pretrain_epochs"):
        with pytest.raises(MissingMandatoryValue):
            OmegaConf.select(base, key, throw_on_missing=True)


@pytest.mark.parametrize("preset", sorted(REFERENCE_WEIGHTS))
def test_loss_presets_hold_the_reference_weights(preset: str, cfg) -> None:
    loss = cfg(f"loss={preset}").model.loss
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
    assert loss._target_ == "animegan.training.criterion.AnimeGANCriterion" and loss._partial_ is True


def test_model_options_pick_architecture_and_schedule(cfg) -> None:
    v1, v2 = cfg("model=v1", "loss=v1").model, cfg().model
    assert (v1.generator.arch, v1.discriminator.version, v1.optim.init_lr, v1.optim.g_lr, v1.optim.d_lr) == (
        "v1",
        "v1",
        1e-4,
        8e-5,
        1.6e-4,
    )
    assert (v1.stages.pretrain_epochs, v1.stages.adversarial_epochs) == (5, 96)
    assert v1.loss.tv == 0 and v1.loss.style == 3.0
    assert (v2.generator.arch, v2.discriminator.version, v2.optim.init_lr, v2.optim.g_lr, v2.optim.d_lr) == (
        "v2",
        "v2",
        2e-4,
        2e-5,
        4e-5,
    )
    assert list(v2.optim.betas) == [0.5, 0.999] and v2.loss.style == 2.5  # v2 + Hayao weights by default


def test_model_objects_are_built_by_instantiate(cfg) -> None:
    model = cfg("model=v1", "model.discriminator.ch=16", "model.fast.fused_optimizer=false").model
    assert type(instantiate(model.generator)).__name__ == "GeneratorV1"
    discriminator = instantiate(model.discriminator)()  # a factory: the module builds D only where trained
    assert discriminator.config == {"ch": 16, "n_dis": 3, "version": "v1", "use_spectral_norm": True}
    optimizer = instantiate(model.optimizer)(discriminator.parameters(), lr=0.1)
    assert type(optimizer).__name__ == "Adam" and optimizer.defaults["fused"] is False
    assert tuple(optimizer.defaults["betas"]) == (0.5, 0.999)
    assert model.optimizer.betas == model.optim.betas
    assert cfg().model.optimizer.fused is True  # from model.fast.fused_optimizer
    assert cfg("model.fast.batched_discriminator=false").model.loss.batched_discriminator is False


@pytest.mark.parametrize("name", ["hayao", "shinkai", "paprika"])
def test_reference_experiments(name: str, cfg) -> None:
    composed = cfg(f"experiment={name}")
    assert composed.data.style == name.capitalize()
    assert (composed.data.image_size, composed.data.batch_size) == (256, 12)
    assert (composed.model.stages.pretrain_epochs, composed.model.stages.adversarial_epochs) == (10, 91)
    assert composed.model.loss.style == REFERENCE_WEIGHTS[name][3]
    assert composed.task_name == name


def test_reference_experiments_share_everything_but_loss_style_and_name(cfg) -> None:
    def shared(name: str) -> dict:
        composed = OmegaConf.to_container(cfg(f"experiment={name}"), resolve=False)
        del composed["model"]["loss"], composed["data"]["style"], composed["task_name"]
        return composed

    hayao = shared("hayao")
    assert shared("shinkai") == hayao and shared("paprika") == hayao
    assert OmegaConf.to_container(cfg("experiment=hayao").model) == OmegaConf.to_container(cfg().model)


def test_demo_experiment_is_offline_and_small(cfg) -> None:
    composed = cfg("experiment=demo")
    assert composed.model.vgg.weights == "random" and composed.trainer.accelerator == "cpu"
    assert composed.data.style == "Demo" and composed.data.image_size <= 128
    assert "wandb" not in (composed.logger or {})


@pytest.mark.parametrize("trainer", ["cpu", "gpu", "ddp", "ddp_sim"], ids=lambda name: f"trainer_{name}")
def test_trainer_options(trainer: str, cfg) -> None:
    node = cfg(f"trainer={trainer}").trainer
    expected = {
        "cpu": ("cpu", 1, "auto", "auto"),  # runner.resolve_precision: bf16-mixed on a bf16 CPU, else 32-true
        "gpu": ("gpu", 1, "auto", "16-mixed"),
        "ddp": ("gpu", 4, "ddp", "16-mixed"),
        "ddp_sim": ("cpu", 2, "ddp_spawn", "auto"),
    }[trainer]
    assert (node.accelerator, node.devices, node.strategy, node.precision) == expected
    assert node.use_distributed_sampler is False  # the data module shards by rank itself
    assert node.log_every_n_steps == 1  # loss terms, D outputs and learning rates are logged every step


@pytest.mark.parametrize("logger", ["wandb", "csv", "tensorboard", "none"])
def test_logger_options_write_under_the_run_dir(logger: str, cfg, tmp_path: Path) -> None:
    loggers = cfg(f"logger={logger}").logger or {}
    assert list(loggers) == ([] if logger == "none" else [logger])
    for node in loggers.values():
        assert node.save_dir == str(tmp_path)


def test_debug_options(cfg) -> None:
    fdr = cfg("debug=fdr")
    assert fdr.trainer.fast_dev_run is True and not fdr.logger
    overfit = cfg("debug=overfit")
    assert overfit.trainer.overfit_batches == 1


def test_callbacks_and_paths(cfg, tmp_path: Path) -> None:
    composed = cfg()
    assert composed.callbacks.model_checkpoint.dirpath == f"{tmp_path}/checkpoints"
    assert composed.callbacks.model_checkpoint.save_last is True
    assert composed.callbacks.generator_export.path == f"{tmp_path}/generator.pt"
    assert composed.callbacks.sample_grid.dirpath == f"{tmp_path}/samples"
    assert composed.data.root == composed.paths.data_dir


def test_slurm_launcher_ties_nodes_and_tasks_to_the_trainer(cfg) -> None:
    composed = cfg(
        "hydra/launcher=slurm", "trainer=ddp", "trainer.num_nodes=2", "trainer.devices=8", hydra_node=True
    )
    launcher = composed.hydra.launcher
    assert launcher._target_.endswith("SlurmLauncher")
    assert (launcher.nodes, launcher.tasks_per_node, launcher.gpus_per_node) == (2, 8, 8)
    # preemption: submitit's warning signal ahead of the limit, requeue allowed (training/preemption.py saves)
    assert launcher.signal_delay_s >= 60 and launcher.additional_parameters.requeue is True


def test_optuna_search_space_is_over_the_loss_weights(cfg) -> None:
    sweeper = cfg("hparams_search=optuna", hydra_node=True).hydra.sweeper
    assert sweeper._target_.endswith("OptunaSweeper") and sweeper.direction == "minimize"
    assert sweeper.params and all(key.startswith("model.loss.") for key in sweeper.params)


@pytest.mark.parametrize(
    "overrides",
    [["experiment=hayao"], ["experiment=shinkai"], ["experiment=paprika"], ["model=v1", "loss=v1"]],
)
def test_reference_presets_default_to_the_caffe_vgg_of_animegan_download(overrides: list[str], cfg) -> None:
    composed = cfg(*overrides, "data.root=/data/set")
    assert (
        composed.model.vgg.weights == "/data/set/vgg19.npy"
    )  # where `animegan download vgg19 --root /data/set` writes
    assert cfg(*overrides, "model.vgg.weights=imagenet").model.vgg.weights == "imagenet"  # an explicit choice


# The v3 reference table (section 3.2): style w2/w3/w4, region (generated, photo), Lab, TV, D smooth, pretrain main,
# generated-superpixel min_size, NL-means (h, hColor, template, search).
V3_WEIGHTS = {
    "v3_hayao": ((0.1, 5.0, 25.0), (0.2, 0.2), 10.0, 0.001, 2.0, 1.0, 50, (5, 6, 5, 7)),
    "v3_shinkai": ((0.1, 2.0, 28.0), (0.8, 0.5), 8.0, 0.0001, 5.0, 0.0, 100, (7, 6, 6, 7)),
}


@pytest.mark.parametrize("preset", sorted(V3_WEIGHTS))
def test_v3_experiments_hold_the_reference_schedule_and_weights(preset: str, cfg) -> None:
    composed = cfg(f"experiment={preset}")
    model, loss = composed.model, composed.model.loss
    assert (model.generator.arch, model.discriminator.ch, model.discriminator.version) == ("v3", 32, "v3")
    assert (composed.data.image_size, composed.data.batch_size, composed.data.mean_shift) == (256, 8, "none")
    assert composed.data.superpixels is True and composed.task_name == preset
    assert (model.stages.pretrain_epochs, model.stages.adversarial_epochs) == (5, 95)  # 100 epochs in all
    assert (model.optim.init_lr, model.optim.g_lr, model.optim.d_lr) == (2e-4, 1e-4, 1e-4)
    assert list(model.optim.betas) == [0.5, 0.999]
    style, region, color, tv, smooth, pretrain_main, min_size, nlmeans = V3_WEIGHTS[preset]
    assert tuple(loss.style[k] for k in ("conv2_2", "conv3_3", "conv4_4")) == style
    assert (loss.region.generated, loss.region.photo) == region
    assert (loss.color, loss.tv, loss.d_split.smooth, loss.pretrain.main) == (
        color,
        tv,
        smooth,
        pretrain_main,
    )
    assert (loss.adv_support, loss.content, loss.adv_main, loss.main_pixel, loss.main_vgg) == (
        1,
        0.5,
        0.02,
        50,
        0.5,
    )
    assert (loss.d_split.real, loss.d_split.fake, loss.d_main, loss.pretrain.support) == (0.5, 1.0, 0.1, 1.0)
    assert (
        loss.targets.superpixel.scale,
        loss.targets.superpixel.sigma,
        loss.targets.superpixel.min_size,
    ) == (5, 0.8, min_size)
    assert tuple(loss.targets.nlmeans[k] for k in ("h", "h_color", "template", "search")) == nlmeans
    assert (loss.targets.l0.lam, loss.targets.l0.kappa, loss.targets.l0.beta_max) == (0.005, 2.0, 1e5)
    assert composed.data.smooth_set == {"v3_hayao": "smooth", "v3_shinkai": "smooth_noise"}[preset]


def test_model_v3_brings_its_loss_and_data_needs_and_the_demo_runs_it(cfg) -> None:
    alone = cfg("model=v3")
    assert alone.model.loss._target_ == "animegan.training.criterion_v3.AnimeGANv3Criterion"
    assert alone.model.loss.style.conv3_3 == 5.0 and alone.data.superpixels is True  # v3 Hayao by default
    assert cfg("model=v3", "loss=v3_shinkai").model.loss.style.conv3_3 == 2.0
    demo = cfg("experiment=demo", "model=v3")
    assert demo.model.generator.arch == "v3" and demo.model.vgg.weights == "random"
    assert demo.model.loss.color == 10.0 and demo.data.style == "Demo"
    v2_demo = cfg("experiment=demo").model
    assert (v2_demo.generator.arch, v2_demo.loss.adv_g, v2_demo.loss.style, v2_demo.loss.pretrain_color) == (
        "v2",
        5.0,
        500.0,
        100.0,
    )
    assert cfg("experiment=demo").data.superpixels is False  # make demo keeps its v2 run
    assert cfg("experiment=demo").data.mean_shift == "none"  # the demo style keeps the photos' colours
    assert (demo.data.superpixels, demo.data.mean_shift) == (True, "none")
    assert cfg("model=v3", "data.mean_shift=auto").data.mean_shift == "auto"  # the command line still wins
    parts = alone.model
    assert type(instantiate(parts.generator)).__name__ == "GeneratorV3"
    assert type(instantiate(parts.discriminator)()).__name__ == "DiscriminatorPair"
