"""A data file lost mid-epoch in a real training run: named and skipped (training goes on), or one line and stop."""

from __future__ import annotations

from pathlib import Path

import pytest

from animegan.data.reading import BadDataFile
from animegan.training.runner import train

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset

    # 6 photos, batch 2: 3 batches per epoch, each photo read once
    return make_demo_dataset(tmp_path / "data", n_photos=6, n_style=6, n_val=1, size=32)


def overrides(data_dir: Path, record: Path, how: str, *extra: str) -> list[str]:
    return [
        "data=demo", f"data.root={data_dir}", "data.image_size=32", "data.val_size=32", "data.batch_size=2",
        "data.val_count=1", "model.vgg.weights=random", "callbacks.progress_bar=null", "logger=none",
        "model.stages.pretrain_epochs=1", "model.stages.adversarial_epochs=0", "trainer.num_sanity_val_steps=0",
        f"paths.output_dir={record.parent / 'run'}", "+callbacks.lose_file._target_=helpers.fault_injection.LoseFile",
        f"+callbacks.lose_file.how={how}", f"+callbacks.lose_file.record={record}", *extra,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("how", "reason"), [("delete", "file not found"), ("garble", "not a readable image")]
)
def test_a_file_lost_mid_epoch_is_named_and_skipped(
    how: str, reason: str, data_dir: Path, tmp_path: Path, cfg, capfd: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "lost.txt"
    train(cfg(*overrides(data_dir, record, how)))
    lost = record.read_text()
    skipped = [line for line in capfd.readouterr().err.splitlines() if "skipped" in line]
    assert len(skipped) == 1  # named once, in one line
    assert skipped[0].startswith(f"animegan-train: skipped {lost}: {reason}")
    assert skipped[0].endswith("(data.on_bad_file=skip)")
    assert (tmp_path / "run" / "generator.pt").is_file()  # the stage ran to its end
    assert (tmp_path / "run" / "checkpoints" / "pretrain" / "last.ckpt").is_file()


@pytest.mark.parametrize("workers", [0, 1])
def test_stop_policy_ends_the_run_with_one_line(workers: int, data_dir: Path, tmp_path: Path, cfg) -> None:
    record = tmp_path / "lost.txt"
    # with workers, lost before they start prefetching the epoch
    extra = (
        "data.on_bad_file=stop",
        f"data.num_workers={workers}",
        f"+callbacks.lose_file.at={'epoch' if workers else 'batch'}",
    )
    with pytest.raises(BadDataFile) as error:
        train(cfg(*overrides(data_dir, record, "delete", *extra)))
    message = str(error.value)  # also when raised in a DataLoader worker process
    assert (
        message
        == f"{record.read_text()}: file not found; training stopped (data.on_bad_file=stop; =skip trains on without it)"
    )
