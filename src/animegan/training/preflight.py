"""Checks before side effects: data layout, VGG source, weights files, wandb mode, all before anything is written.

``check_run`` is called first by ``train`` (library use, every job of a sweep) and, for ``animegan-train`` runs,
by the Hydra callback :class:`PreflightCallback` before Hydra creates the run directory: a run that cannot start
stops with one line, no Hydra error block, no logger run and no files in a run directory.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from animegan.errors import AnimeGANError
from animegan.training.stage_plan import plan_stages
from animegan.training.wandb_setup import check_wandb
from animegan.weights.io import load_generator_state

PROG = "animegan-train"


def unwrap_instantiation_error(error: BaseException) -> BaseException:
    """The AnimeGANError behind Hydra's "Error in call to target" wrapper (or ``error`` itself)."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, AnimeGANError):
        cause = cause.__cause__
    return cause if cause is not None else error


def check_data(data: DictConfig) -> None:
    """The dataset layout the data module would find (folders, images, smooth/, dataset.json)."""
    from hydra.utils import instantiate

    try:
        instantiate(data).setup("fit")
    except Exception as error:  # noqa: BLE001 - re-raised below unless it is one of ours
        raise unwrap_instantiation_error(error) from None


def check_weights_files(cfg: DictConfig, run_dir: Path) -> None:
    """``init_generator`` loads as a generator of the configured architecture; the checkpoint to resume is readable."""
    if cfg.get("init_generator"):
        load_generator_state(cfg.init_generator, expected_arch=cfg.model.generator.arch)
    plan_stages(cfg, run_dir)  # reads the checkpoint of resume=true / ckpt_path


def check_run(cfg: DictConfig, run_dir: Path) -> None:
    """Everything a run needs that can be checked without writing anything; raise AnimeGANError (one line)."""
    from animegan.weights.vgg import check_vgg_source  # deferred: torchvision, after the cheaper checks

    check_data(cfg.data)
    check_weights_files(cfg, run_dir)
    check_wandb(cfg)
    check_vgg_source(cfg.model.vgg.weights)


class PreflightCallback(Callback):
    """Hydra callback: ``check_run`` before Hydra writes the run directory; one line and exit 1 on failure."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            check_run(config, Path(config.hydra.run.dir))
        except AnimeGANError as error:
            print(f"{PROG}: error: {error}", file=sys.stderr)
            sys.exit(1)
