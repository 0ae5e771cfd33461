"""Runs the stages of one training run from a composed config (no command-line parsing here)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig

from animegan.device import cpu_has_bf16
from animegan.errors import AnimeGANError, WeightsError
from animegan.hub.folder import write_hub_folder
from animegan.training.callbacks import AtomicCheckpointIO, export_generators
from animegan.training.module import AnimeGANModule
from animegan.training.preflight import (
    PreparedRun,
    check_run,
    take_prepared,
    unwrap_instantiation_error,
)
from animegan.training.timeline import logged_step, start_at
from animegan.training.wandb_setup import prepare_wandb, sync_hint

log = logging.getLogger(__name__)


def stage_callbacks(cfg: DictConfig, stage: str) -> list[pl.Callback]:
    """Fresh callbacks for one stage; checkpoint folders get the stage name appended."""
    callbacks = []
    for name, node in (cfg.get("callbacks") or {}).items():
        if node is None:
            continue
        extra = {"dirpath": str(Path(node.dirpath) / stage)} if name == "model_checkpoint" else {}
        callbacks.append(instantiate(node, **extra))
    return callbacks


def stage_strategy(strategy: Any, stage: str, unused_parameters: bool | None = None) -> Any:
    """DDP must look for unused parameters where a backward leaves trained ones out: the adversarial stage's D
    phase leaves G out (the default); ``unused_parameters`` is the module's own answer (``AnimeGANModule.
    leaves_parameters_unused``: v3 Shinkai's pretrain also leaves the main tail out)."""
    unused = stage == "adversarial" if unused_parameters is None else unused_parameters
    if isinstance(strategy, str) and strategy.startswith("ddp") and unused:
        if "find_unused_parameters" not in strategy:
            return f"{strategy}_find_unused_parameters_true"
    return strategy


def resolve_precision(precision: Any, accelerator: Any) -> Any:
    """Lightning's precision for ``trainer.precision``: ``auto`` is 16-mixed on CUDA, bf16-mixed on a CPU with
    bf16 (AVX512-BF16 / AMX), else 32-true; any other value as given."""
    if str(precision) != "auto":
        return precision
    if str(accelerator) in ("gpu", "cuda") or (str(accelerator) == "auto" and torch.cuda.is_available()):
        return "16-mixed"
    return "bf16-mixed" if cpu_has_bf16() else "32-true"


def build_trainer(
    cfg: DictConfig, stage: str, loggers: list, unused_parameters: bool | None = None
) -> pl.Trainer:
    epochs = cfg.model.stages[f"{stage}_epochs"]
    return instantiate(
        cfg.trainer,
        precision=resolve_precision(cfg.trainer.precision, cfg.trainer.accelerator),
        max_epochs=max(1, int(epochs)),
        strategy=stage_strategy(cfg.trainer.get("strategy", "auto"), stage, unused_parameters),
        callbacks=stage_callbacks(cfg, stage),
        logger=loggers or False,
        plugins=[AtomicCheckpointIO()],
    )


def build(node: Any, **kwargs: Any) -> Any:
    """``instantiate(node)``; an AnimeGANError raised inside comes out as itself, not in Hydra's wrapper."""
    try:
        return instantiate(node, **kwargs)
    except InstantiationException as error:
        cause = unwrap_instantiation_error(error)
        if isinstance(cause, AnimeGANError):
            raise cause from None
        raise


def build_module(cfg: DictConfig, stage: str, **objects: Any) -> AnimeGANModule:
    """The module of ``stage`` with every object of ``cfg.model`` instantiated (plain containers inside).

    ``objects`` replace nodes of ``cfg.model`` by ready objects (the runner builds the frozen VGG once per run).
    """
    return build(cfg.model, stage=stage, _convert_="all", **objects)


def build_loggers(cfg: DictConfig) -> list:
    """One logger set shared by both stages (one wandb run per training run); empty for logger=none."""
    return [instantiate(node) for node in (cfg.get("logger") or {}).values() if node is not None]


def objective(metrics: dict[str, Any], cfg: DictConfig) -> float | None:
    """What sweeps minimise at the last validation: ``objective.metric`` when set (e.g. val/kid_style), else
    style_weight * val style distance + content_weight * val content distance."""
    weights = cfg.objective
    if weights.get("metric"):
        value = metrics.get(weights.metric)
        return None if value is None else float(value)
    try:
        style, content = metrics["val/style_distance"], metrics["val/content_distance"]
    except KeyError:
        return None
    return float(weights.style_weight * style + weights.content_weight * content)


def train(cfg: DictConfig, prepared: PreparedRun | None = None) -> float | None:
    """Fit every planned stage, handing the generator on; return the sweep objective.

    ``prepared``: the result of ``check_run`` for this run; by default what the Hydra callback handed over, else
    the checks run here (library use, each job of a sweep), before anything is written or a logger run created.
    """
    run_dir = Path(cfg.paths.output_dir)
    prepared = prepared or take_prepared(cfg, run_dir) or check_run(cfg, run_dir)
    vgg = build(cfg.model.vgg)  # frozen, shared by the stages
    generator_state = prepared.generator_state
    uses_wandb = prepare_wandb(cfg)
    pl.seed_everything(int(cfg.seed), workers=True)
    datamodule = prepared.datamodule
    loggers = build_loggers(cfg)
    module, trainer, step = None, None, 0
    for plan in prepared.plan:
        log.info("stage %s%s", plan.stage, f" (resuming {plan.ckpt_path})" if plan.ckpt_path else "")
        module = build_module(cfg, plan.stage, vgg=vgg)
        trainer = build_trainer(cfg, plan.stage, loggers, module.leaves_parameters_unused)
        if plan.ckpt_path is None:
            start_at(trainer, step)  # the loggers' steps continue across stages
            if generator_state is not None:
                module.load_generator_state(generator_state)
        ckpt = str(plan.ckpt_path) if plan.ckpt_path else None
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt, weights_only=True)
        step = logged_step(trainer)
        generator_state = {k: v.detach().clone() for k, v in module.generator.state_dict().items()}
    if module is None:
        raise WeightsError("no stage to run: model.stages.*_epochs are 0 and nothing to resume")
    if trainer.is_global_zero:
        written = export_generators(module, cfg.paths.generator_file)
        written.append(write_hub_folder(run_dir, cfg, trainer.callback_metrics))  # RUN/hub/: animegan push
        print(f"run directory: {run_dir}")
        for path in written:
            print(f"{path.stem + ':':<15}{path}")
        samples_dir = Path(cfg.paths.samples_dir)
        samples = sorted(samples_dir.glob("*.png"), key=lambda p: p.stat().st_mtime)
        if samples:
            print(f"samples:       {samples_dir} ({len(samples)} grids, last {samples[-1].name})")
    if uses_wandb:
        import wandb

        wandb.finish()  # one wandb run per training run, also inside -m sweeps
        if trainer.is_global_zero:
            print(sync_hint(run_dir))
    return objective(dict(trainer.callback_metrics), cfg)
