"""One ``animegan-train`` run (the Hydra app in-process) does each piece of set-up work once: the preflight's
results (stage plan, DataModule, init generator) are handed to ``train`` instead of being redone."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from animegan.data.datamodule import AnimeGANDataModule
from animegan.nets import Generator
from animegan.training import preflight, stage_plan
from animegan.training.app import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset

    return make_demo_dataset(tmp_path_factory.mktemp("demo-data"), n_photos=4, n_style=4, n_val=1, size=32)


def counting(calls: Counter, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, counting its calls under ``name``."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return function(*args, **kwargs)

    return wrapper


def run_app(monkeypatch: pytest.MonkeyPatch, run: Path, data_dir: Path, *overrides: str) -> Counter:
    """``animegan-train`` in this process on a tiny adversarial-only run; the calls of each piece of work."""
    calls: Counter = Counter()
    real_load = torch.load

    def load(source: Any, *args: Any, **kwargs: Any) -> Any:
        calls[f"load {Path(getattr(source, 'name', source)).name}"] += 1  # a path, or Lightning's open file
        return real_load(source, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(torch, "load", load)
        patch.setattr(
            AnimeGANDataModule, "__init__", counting(calls, "datamodule", AnimeGANDataModule.__init__)
        )
        patch.setattr(
            AnimeGANDataModule, "_discover", counting(calls, "discover", AnimeGANDataModule._discover)
        )
        planner = counting(calls, "plan_stages", stage_plan.plan_stages)
        patch.setattr(stage_plan, "plan_stages", planner)
        patch.setattr(preflight, "plan_stages", planner)
        argv = [
            "animegan-train", "experiment=demo", "logger=none", f"hydra.run.dir={run}", f"paths.data_dir={data_dir}",
            "data.image_size=32", "data.val_size=32", "data.batch_size=2", "data.val_count=1",
            "callbacks.progress_bar=null", "trainer.precision=32-true", "trainer.num_sanity_val_steps=0", "trainer.check_val_every_n_epoch=1",
            "+trainer.limit_train_batches=1", "+trainer.limit_val_batches=1", "model.stages.pretrain_epochs=0",
            *overrides,
        ]  # fmt: skip
        patch.setattr(sys, "argv", argv)
        main()
    return calls


def test_one_run_checks_reads_and_sets_up_once(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, tmp_path: Path
) -> None:
    init = tmp_path / "init.pt"
    torch.save(Generator().state_dict(), init)
    first = tmp_path / "first"
    calls = run_app(
        monkeypatch, first, data_dir, f"init_generator={init}", "model.stages.adversarial_epochs=1"
    )
    assert (first / "generator.pt").is_file() and list((first / "samples").glob("adversarial_*.png"))
    assert calls["datamodule"] == calls["discover"] == calls["plan_stages"] == 1, calls
    assert calls["load init.pt"] == 1, calls

    ckpt = first / "checkpoints" / "adversarial" / "last.ckpt"
    calls = run_app(
        monkeypatch, tmp_path / "second", data_dir, f"ckpt_path={ckpt}", "model.stages.adversarial_epochs=2"
    )
    assert calls["datamodule"] == calls["discover"] == calls["plan_stages"] == 1, calls
    assert calls["load last.ckpt"] == 2, calls  # the stage plan's read, then Lightning's own
    assert (tmp_path / "second" / "checkpoints" / "adversarial" / "last.ckpt").is_file()
