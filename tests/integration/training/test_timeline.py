"""One logged step timeline across the two ``trainer.fit`` stages, as the CSV, TensorBoard and wandb loggers see it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from helpers.wandb_records import logged_steps

from animegan.training.runner import train

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset

    # 6 photos, batch 2: 3 batches per epoch
    return make_demo_dataset(tmp_path_factory.mktemp("demo-data"), n_photos=6, n_style=6, n_val=1, size=32)


def overrides(data_dir: Path, *extra: str) -> list[str]:
    return [
        "data=demo", f"data.root={data_dir}", "data.image_size=32", "data.val_size=32", "data.batch_size=2",
        "data.val_count=1", "model.vgg.weights=random", "callbacks.progress_bar=null",
        "model.stages.pretrain_epochs=1", "model.stages.adversarial_epochs=1", "trainer.num_sanity_val_steps=0",
        "trainer.log_every_n_steps=1", *extra,
    ]  # fmt: skip


def csv_steps(run_dir: Path, metric: str) -> list[int]:
    with (run_dir / "csv" / "metrics.csv").open() as handle:
        return [int(row["step"]) for row in csv.DictReader(handle) if row.get(metric)]


def tensorboard_steps(run_dir: Path, metric: str) -> list[int]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(
        str(run_dir / "tensorboard")
    )  # every event file of the run (one per stage)
    accumulator.Reload()
    events = accumulator.Images(metric) if metric.startswith("samples/") else accumulator.Scalars(metric)
    return [event.step for event in events]


def wandb_steps(run_dir: Path, metric: str) -> list[int]:
    (run_file,) = (run_dir / "wandb").glob("offline-run-*/run-*.wandb")
    return logged_steps(run_file, metric)


def test_adversarial_steps_continue_after_pretrain_in_every_logger(
    data_dir: Path, tmp_path: Path, cfg
) -> None:
    train(cfg(*overrides(data_dir, "logger=[csv,tensorboard,wandb]")))
    for steps in (csv_steps, tensorboard_steps, wandb_steps):
        assert steps(tmp_path, "pretrain/loss_g") == [0, 1, 2]  # one logged step per batch
        assert steps(tmp_path, "adversarial/loss_g") == [3, 4, 5]  # not 0, 1, 2 again
        assert steps(tmp_path, "adversarial/loss_d") == [3, 4, 5]  # D and G steps of a batch share its step
    assert csv_steps(tmp_path, "val/content_distance") == [2, 5]  # each stage's validation at its last batch
    assert tensorboard_steps(tmp_path, "samples/adversarial") == [5]  # sample grids on the same timeline
    assert wandb_steps(tmp_path, "samples/adversarial/_type") == [5]
    # the grids' file names and the val distances file use the same timeline as the loggers
    assert sorted(p.name for p in (tmp_path / "samples").glob("*.png")) == [
        "adversarial_e000_s000005.png",
        "pretrain_e000_s000002.png",
    ]
    records = [json.loads(line) for line in (tmp_path / "val_distances.jsonl").read_text().splitlines()]
    assert [(r["stage"], r["step"]) for r in records] == [("pretrain", 2), ("adversarial", 5)]


def test_resumed_run_keeps_counting_from_its_checkpoint(data_dir: Path, tmp_path: Path, cfg) -> None:
    train(cfg(*overrides(data_dir, "logger=csv")))
    assert csv_steps(tmp_path, "adversarial/loss_g") == [3, 4, 5]
    (tmp_path / "csv" / "metrics.csv").unlink()
    train(cfg(*overrides(data_dir, "logger=csv", "resume=true", "model.stages.adversarial_epochs=2")))
    assert csv_steps(tmp_path, "adversarial/loss_g") == [6, 7, 8]  # its second epoch, after step 5
    assert csv_steps(tmp_path, "pretrain/loss_g") == []  # the finished stage was not trained again


def test_a_fresh_run_in_a_used_folder_starts_over(data_dir: Path, tmp_path: Path, cfg) -> None:
    """Without resume=..., checkpoints an older run left in the folder are not silently continued (Lightning resumes
    ``fit(ckpt_path=None)`` from "last" whenever an OnExceptionCheckpoint is among the callbacks)."""
    import torch

    train(cfg(*overrides(data_dir, "logger=none", "seed=1")))
    first = torch.load(tmp_path / "generator.pt", weights_only=True)
    assert (tmp_path / "checkpoints" / "adversarial" / "last.ckpt").exists()
    again = train(cfg(*overrides(data_dir, "logger=none", "seed=2")))
    second = torch.load(tmp_path / "generator.pt", weights_only=True)
    assert again is not None  # it trained and validated: the objective has its figures
    state = first.get("state_dict", first)
    assert any(
        not torch.equal(v, second.get("state_dict", second)[k])
        for k, v in state.items()
        if torch.is_tensor(v)
    )
