"""animegan-train checks before side effects, as a new user meets them: one line on stderr, exit 1, no Hydra error
block, no run directory, no wandb run; a corrupt last.ckpt on resume leaves every file of the run as it was."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test starts animegan-train
TRAIN = [sys.executable, "-m", "animegan.training.app"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset

    return make_demo_dataset(tmp_path_factory.mktemp("demo-data"), n_photos=4, n_style=4, n_val=1, size=32)


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env |= {"HOME": str(cwd), "NETRC": str(cwd / ".netrc")}
    return subprocess.run([*TRAIN, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240)


def error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("animegan-train: error: "), done.stderr[-2000:]
    assert "HYDRA_FULL_ERROR" not in done.stderr and "Error in call to target" not in done.stderr
    return lines[0]


def test_missing_data_folder_stops_before_the_vgg_and_the_run_dir(tmp_path: Path) -> None:
    line = error_line(run(["experiment=hayao", f"data.root={tmp_path / 'nodata'}"], tmp_path))
    assert "dataset folder not found" in line and "animegan demo-data" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no outputs/, no wandb/


def test_missing_caffe_vgg_names_the_download_and_creates_no_logger_run(
    data_dir: Path, tmp_path: Path
) -> None:
    done = run(["experiment=hayao", f"data.root={data_dir}", "data.style=Demo", "logger=wandb"], tmp_path)
    line = error_line(done)
    assert f"{data_dir / 'vgg19.npy'}: VGG19 weights file does not exist" in line
    assert f"`animegan download vgg19 --root {data_dir}`" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    random_vgg = [
        "experiment=hayao",
        "model.vgg.weights=random",
        f"data.root={tmp_path / 'nodata'}",
        "logger=wandb",
    ]
    error_line(run(random_vgg, tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_cfg_job_shows_the_caffe_vgg_of_the_preset(data_dir: Path, tmp_path: Path) -> None:
    done = run(["experiment=hayao", f"data.root={data_dir}", "--cfg", "job", "--resolve"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"weights: {data_dir}/vgg19.npy" in done.stdout


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_corrupt_last_ckpt_on_resume_gives_one_line_and_touches_no_file(
    data_dir: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    args = [
        f"hydra.run.dir={run_dir}", "data=demo", f"data.root={data_dir}", "data.image_size=32", "data.val_size=32",
        "data.batch_size=2", "data.val_count=1", "model.vgg.weights=random", "callbacks.progress_bar=null",
        "logger=csv", "model.stages.pretrain_epochs=1", "model.stages.adversarial_epochs=1",
        "+trainer.limit_train_batches=1", "trainer.num_sanity_val_steps=0",
    ]  # fmt: skip
    first = run(args, tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    last = run_dir / "checkpoints" / "adversarial" / "last.ckpt"
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])  # torn by a disk fault
    before = snapshot(run_dir)
    assert {"generator.pt", "checkpoints/pretrain/last.ckpt", ".hydra/config.yaml"} <= set(before)
    line = error_line(run([*args, "resume=true"], tmp_path))
    assert f"{last}: not a loadable checkpoint" in line
    assert snapshot(run_dir) == before  # no file of the run rewritten, none added
