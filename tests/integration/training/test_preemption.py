"""Preemption and exact resumption, on real ``animegan-train`` processes: a signal at a known step (the
``HoldAt`` probe holds the run there until the test's signal has arrived) stops the run with a checkpoint, one
line and exit 128 + N; ``resume=true`` (also after a SIGKILL) finishes with a generator bit-identical to an
uninterrupted run's, and the CSV log has each training step exactly once."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parents[2]
TRAIN = [sys.executable, "-m", "animegan.training.app"]
# 6 images, batch 2: 3 steps per epoch; pretrain logs steps 0-2, the adversarial stage 3-8
TOTAL_STEPS = 3 + 2 * 3


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset

    return make_demo_dataset(tmp_path_factory.mktemp("demo-data"), n_photos=6, n_style=6, n_val=2, size=48)


def args(data_dir: Path, run: Path, *extra: str) -> list[str]:
    return [
        *TRAIN,
        f"hydra.run.dir={run}",
        "data=demo",
        f"paths.data_dir={data_dir}",
        "data.style=Demo",
        "data.image_size=32",
        "data.val_size=32",
        "data.batch_size=2",
        "data.val_count=2",
        "model.vgg.weights=random",
        "callbacks.progress_bar=null",
        "logger=csv",
        "+logger.csv.flush_logs_every_n_steps=1",  # rows on disk at once: a SIGKILL leaves rows past the checkpoint
        "model.stages.pretrain_epochs=1",
        "model.stages.adversarial_epochs=2",
        "trainer.num_sanity_val_steps=0",
        *extra,
    ]


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    path = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
    return env | {"HOME": str(home), "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}


def hold(stage: str, step: int, marker: Path) -> list[str]:
    return [
        "+callbacks.hold._target_=helpers.signal_probe.HoldAt",
        f"+callbacks.hold.stage={stage}",
        f"+callbacks.hold.step={step}",
        f"+callbacks.hold.marker={marker}",
    ]


def start(argv: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        argv, cwd=cwd, env=env_for(cwd), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def signal_at(argv: list[str], cwd: Path, marker: Path, signum: int) -> tuple[int, str, float]:
    """Run until the probe's marker appears, send ``signum``; the exit status, stderr, seconds to exit."""
    process = start(argv, cwd)
    deadline = time.monotonic() + 300
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), (
        "the run never reached the step to signal: " + (process.communicate()[1] or "")[-2000:]
    )
    sent = time.monotonic()
    os.kill(process.pid, signum)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr, time.monotonic() - sent


def finish(argv: list[str], cwd: Path) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env_for(cwd), capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]


def generator(run: Path) -> dict[str, torch.Tensor]:
    return torch.load(run / "generator.pt", map_location="cpu", weights_only=True)


def assert_bit_identical(run: Path, reference: Path) -> None:
    got, want = generator(run), generator(reference)
    assert got.keys() == want.keys()
    differ = [k for k in want if not torch.equal(got[k], want[k])]
    assert not differ, f"{len(differ)} tensors differ from the uninterrupted run, e.g. {differ[0]}"


def training_steps(run: Path) -> list[int]:
    """The step of every CSV row that holds a training loss, in file order."""
    with (run / "csv" / "metrics.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    losses = ("pretrain/loss_g", "adversarial/loss_g")
    return [int(row["step"]) for row in rows if any(row.get(key) for key in losses)]


def stop_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("stopped by")]


@pytest.fixture(scope="module")
def reference(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run of the same length and seed."""
    cwd = tmp_path_factory.mktemp("reference")
    finish(args(data_dir, cwd / "run"), cwd)
    assert training_steps(cwd / "run") == list(range(TOTAL_STEPS))
    return cwd / "run"


def test_sigterm_mid_adversarial_epoch_stops_with_a_checkpoint_and_resumes_bit_identical(
    data_dir: Path, tmp_path: Path, reference: Path
) -> None:
    run, marker = tmp_path / "run", tmp_path / "held"
    status, stderr, seconds = signal_at(
        args(data_dir, run, *hold("adversarial", 5, marker)), tmp_path, marker, signal.SIGTERM
    )
    assert status == 143, stderr[-2000:]
    assert seconds < 60
    (line,) = stop_lines(stderr)
    assert line.startswith("stopped by SIGTERM at adversarial step 5; resume with animegan-train ")
    assert line.endswith(f"hydra.run.dir={run} resume=true")
    checkpoint = torch.load(
        run / "checkpoints" / "adversarial" / "last.ckpt", map_location="cpu", weights_only=True
    )
    assert checkpoint["animegan_stage"] == "adversarial"
    assert checkpoint["loops"]["fit_loop"]["state_dict"]["combined_loader"] == [
        {"epoch": 0, "batches": 2}
    ]  # mid-epoch
    assert (run / "generator.pt").is_file()
    assert training_steps(run) == list(range(5))

    finish(args(data_dir, run, "resume=true"), tmp_path)
    assert_bit_identical(run, reference)
    assert training_steps(run) == list(range(TOTAL_STEPS))


def test_sigint_in_pretrain_then_sigkill_after_a_checkpoint_resume_bit_identical(
    data_dir: Path, tmp_path: Path, reference: Path
) -> None:
    run, marker = tmp_path / "run", tmp_path / "held"
    status, stderr, _ = signal_at(
        args(data_dir, run, *hold("pretrain", 2, marker)), tmp_path, marker, signal.SIGINT
    )
    assert status == 130, stderr[-2000:]
    (line,) = stop_lines(stderr)
    assert line.startswith("stopped by SIGINT at pretrain step 2; resume with ")
    assert not (run / "checkpoints" / "adversarial").exists()

    # resumed, then killed after step 8: the last checkpoint is the end of adversarial epoch 0 (step 6)
    marker.unlink()
    resumed = args(data_dir, run, "resume=true")
    status, stderr, _ = signal_at(
        [*resumed, *hold("adversarial", 8, marker)], tmp_path, marker, signal.SIGKILL
    )
    assert status == -signal.SIGKILL
    # held before step 7's row: rows 0-6 are on disk, row 6 past the checkpoint (6 steps): logged again below
    assert training_steps(run) == list(range(7))
    checkpoint = torch.load(
        run / "checkpoints" / "adversarial" / "last.ckpt", map_location="cpu", weights_only=True
    )
    assert checkpoint["global_step"] == 3 * 2  # one adversarial epoch of 3 batches x (D step + G step)

    finish(resumed, tmp_path)
    assert_bit_identical(run, reference)
    assert training_steps(run) == list(range(TOTAL_STEPS))


def test_sigkill_at_the_first_adversarial_step_resumes_from_the_pretrain_end_bit_identical(
    data_dir: Path, tmp_path: Path, reference: Path
) -> None:
    """The only checkpoint is the pretrain stage's last: the resumed pretrain trains nothing, and the RNG states
    must still come back before the adversarial stage initialises its discriminator from them."""
    run, marker = tmp_path / "run", tmp_path / "held"
    status, _, _ = signal_at(
        args(data_dir, run, *hold("adversarial", 4, marker)), tmp_path, marker, signal.SIGKILL
    )
    assert status == -signal.SIGKILL
    assert not (run / "checkpoints" / "adversarial").exists()
    assert training_steps(run) == list(range(3))  # held before the first adversarial row

    finish(args(data_dir, run, "resume=true"), tmp_path)
    assert_bit_identical(run, reference)
    assert training_steps(run) == list(range(TOTAL_STEPS))
