"""Checks before side effects: data layout, VGG source, weights files, wandb mode, all before anything is written.

``check_run`` does the checks once and returns what they found (a :class:`PreparedRun`: the stage plan, the set-up
DataModule, the ``init_generator`` weights) for ``train`` to use instead of redoing the work. For
``animegan-train`` runs the Hydra callback :class:`PreflightCallback` runs it before Hydra creates the run
directory (a run that cannot start stops with one line, no Hydra error block, no logger run and no files in a run
directory) and hands the result to ``train`` (:func:`take_prepared`); library use and each job of a sweep call
``check_run`` from ``train``.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from hydra.experimental.callback import Callback
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from animegan.errors import AnimeGANError
from animegan.training.stage_plan import StagePlan, plan_stages
from animegan.training.wandb_setup import check_wandb
from animegan.weights.io import load_generator_state

PROG = "animegan-train"


@dataclass(frozen=True)
class PreparedRun:
    """What the checks found: the stages to fit, the DataModule (set up), the ``init_generator`` state or None."""

    plan: tuple[StagePlan, ...]
    datamodule: pl.LightningDataModule
    generator_state: dict[str, torch.Tensor] | None


def unwrap_instantiation_error(error: BaseException) -> BaseException:
    """The AnimeGANError behind Hydra's "Error in call to target" wrapper (or ``error`` itself)."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, AnimeGANError):
        cause = cause.__cause__
    return cause if cause is not None else error


def prepare_data(data: DictConfig) -> pl.LightningDataModule:
    """The DataModule of ``data``, set up: the dataset layout checked (folders, images, smooth/, dataset.json)."""
    try:
        datamodule = instantiate(data)
        datamodule.setup("fit")
    except Exception as error:  # noqa: BLE001 - re-raised below unless it is one of ours
        raise unwrap_instantiation_error(error) from None
    return datamodule


def read_init_generator(cfg: DictConfig) -> dict[str, torch.Tensor] | None:
    """``init_generator``'s state dict, checked against the configured architecture (None when not set)."""
    if not cfg.get("init_generator"):
        return None
    state, _ = load_generator_state(cfg.init_generator, expected_arch=cfg.model.generator.arch)
    return state


def check_run(cfg: DictConfig, run_dir: Path) -> PreparedRun:
    """Everything a run needs that can be checked without writing anything; raise AnimeGANError (one line)."""
    from animegan.weights.vgg import check_vgg_source  # deferred: torchvision, after the cheaper checks

    datamodule = prepare_data(cfg.data)
    generator_state = read_init_generator(cfg)
    plan = tuple(plan_stages(cfg, run_dir))  # reads the checkpoint of resume=true / ckpt_path
    check_wandb(cfg)
    check_vgg_source(cfg.model.vgg.weights)
    return PreparedRun(plan, datamodule, generator_state)


# ---- hand-over from the Hydra callback to ``train`` (same process, same config) -------------------------------
_HANDED: dict[str, PreparedRun] = {}


def run_key(cfg: DictConfig, run_dir: Path) -> str:
    """The run a prepared result belongs to: its absolute run dir and its config (without ``hydra``), unresolved."""
    container = OmegaConf.to_container(cfg, resolve=False)
    assert isinstance(container, dict)
    container.pop("hydra", None)
    return json.dumps([os.path.abspath(run_dir), container], sort_keys=True, default=str)


def take_prepared(cfg: DictConfig, run_dir: Path) -> PreparedRun | None:
    """What the Hydra callback prepared for this run (handed over once), else None."""
    return _HANDED.pop(run_key(cfg, run_dir), None)


class PreflightCallback(Callback):
    """Hydra callback: ``check_run`` before Hydra writes the run directory; one line and exit 1 on failure.

    Its result is kept for ``train`` (:func:`take_prepared`), so the checks' work is not done again.
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        run_dir = Path(config.hydra.run.dir)
        try:
            prepared = check_run(config, run_dir)
        except AnimeGANError as error:
            print(f"{PROG}: error: {error}", file=sys.stderr)
            sys.exit(1)
        _HANDED.clear()  # one run per process at a time: nothing older is ever taken
        _HANDED[run_key(config, run_dir)] = prepared
