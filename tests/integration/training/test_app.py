"""animegan-train end to end on a tiny demo dataset: every experiment, the CLI from outside the checkout,
multirun, ddp_sim, wandb offline, resume after a kill, non-finite losses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from animegan.nets import Generator
from animegan.training.module import NonFiniteLossError
from animegan.training.runner import train

pytestmark = pytest.mark.slow
TRAIN = [sys.executable, "-m", "animegan.training.app"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset

    return make_demo_dataset(tmp_path_factory.mktemp("demo-data"), n_photos=6, n_style=6, n_val=2, size=48)


def tiny(data_dir: Path) -> list[str]:
    """Overrides that make any experiment tiny: demo data at 32 px, batch 2, random VGG."""
    return [
        "data=demo",
        f"paths.data_dir={data_dir}",
        "data.style=Demo",
        "data.image_size=32",
        "data.val_size=32",
        "data.batch_size=2",
        "data.val_count=2",
        "model.vgg.weights=random",
        "callbacks.progress_bar=null",
    ]


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    return env | {"HOME": str(home), "NETRC": str(home / ".netrc"), "PYTHONUNBUFFERED": "1"} | extra


def check_run_dir(run: Path, checkpoints: bool = True) -> None:
    state = torch.load(run / "generator.pt", map_location="cpu", weights_only=True)
    Generator().load_state_dict(state, strict=True)
    if checkpoints:
        for stage in ("pretrain", "adversarial"):
            ckpt = torch.load(
                run / "checkpoints" / stage / "last.ckpt", map_location="cpu", weights_only=True
            )
            assert ckpt["animegan_stage"] == stage
    grids = list((run / "samples").glob("*.png"))
    assert {p.name.split("_")[0] for p in grids} == {"pretrain", "adversarial"}


@pytest.mark.parametrize("experiment", ["demo", "hayao", "shinkai", "paprika", "hayao_ema"])
def test_fdr_runs_both_stages_for_every_experiment(
    experiment: str, data_dir: Path, tmp_path: Path, cfg
) -> None:
    config = cfg(f"experiment={experiment}", "debug=fdr", *tiny(data_dir))
    averaged = config.model.ema.decay is not None  # demo and hayao_ema average the generator's weights
    assert averaged == (experiment in ("demo", "hayao_ema"))
    result = train(config)
    check_run_dir(tmp_path)
    assert result is not None and result > 0
    ema = tmp_path / "generator_ema.pt"
    assert ema.is_file() == averaged  # the generator EMA, written next to generator.pt
    if ema.is_file():
        Generator().load_state_dict(torch.load(ema, map_location="cpu", weights_only=True), strict=True)


def test_cli_runs_from_a_directory_outside_the_checkout(data_dir: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "animegan-train"), "debug=fdr", "trainer.precision=bf16-mixed", "model.optim.grad_clip=1.0", *tiny(data_dir)],
        cwd=tmp_path, env=env_for(tmp_path), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    (run,) = list((tmp_path / "outputs" / "debug" / "runs").iterdir())
    assert (run / ".hydra" / "config.yaml").is_file()
    check_run_dir(run)
    assert f"generator:     {run / 'generator.pt'}" in done.stdout


def test_multirun_over_a_loss_weight(data_dir: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [*TRAIN, "-m", "debug=fdr", "model.loss.style=1.0,4.0", f"hydra.sweep.dir={tmp_path / 'sweep'}", *tiny(data_dir)],
        cwd=tmp_path, env=env_for(tmp_path), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    for number, style in ((0, "1.0"), (1, "4.0")):
        run = tmp_path / "sweep" / str(number)
        check_run_dir(run)
        assert f"model.loss.style={style}" in (run / ".hydra" / "overrides.yaml").read_text()


def test_ddp_sim_trains_on_two_cpu_processes(data_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    done = subprocess.run(
        [*TRAIN, "trainer=ddp_sim", "debug=fdr", f"hydra.run.dir={run}", *tiny(data_dir)],
        cwd=tmp_path, env=env_for(tmp_path), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "GLOBAL_RANK: 1, MEMBER: 2/2" in done.stdout + done.stderr
    check_run_dir(run)


def test_wandb_logs_offline_under_the_run_dir_without_credentials(data_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    short = [
        "model.stages.pretrain_epochs=1",
        "model.stages.adversarial_epochs=1",
        "+trainer.limit_train_batches=1",
    ]
    done = subprocess.run(
        [*TRAIN, "logger=wandb", f"hydra.run.dir={run}", *short, *tiny(data_dir)],
        cwd=tmp_path, env=env_for(tmp_path), capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert list((run / "wandb").glob("offline-run-*/*.wandb")), "no offline wandb run under the run dir"
    assert "wandb sync" in done.stdout
    assert not (tmp_path / "wandb").exists()
    check_run_dir(run)


def test_resume_after_a_kill_mid_adversarial_keeps_stage_and_step_count(
    data_dir: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    args = [
        *TRAIN,
        f"hydra.run.dir={run}",
        "logger=none",
        "model.stages.pretrain_epochs=1",
        "model.stages.adversarial_epochs=4",
        "trainer.limit_train_batches=2",
        "trainer.num_sanity_val_steps=0",
        "callbacks.model_checkpoint.every_n_train_steps=2",
        "callbacks.model_checkpoint.every_n_epochs=null",
        "callbacks.model_checkpoint.save_top_k=0",
        *tiny(data_dir),
    ]
    last = run / "checkpoints" / "adversarial" / "last.ckpt"
    process = subprocess.Popen(
        args, cwd=tmp_path, env=env_for(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 240
    while not last.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = torch.load(last, map_location="cpu", weights_only=True)["global_step"]
    assert 0 < killed_at < 16, "the run was not killed in the middle of the adversarial stage"
    pretrain_ckpt = run / "checkpoints" / "pretrain" / "last.ckpt"
    pretrain_mtime = pretrain_ckpt.stat().st_mtime_ns

    done = subprocess.run(
        [*args, "resume=true"],
        cwd=tmp_path,
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    final = torch.load(last, map_location="cpu", weights_only=True)
    assert final["animegan_stage"] == "adversarial"
    assert final["global_step"] == 4 * 2 * 2  # 4 epochs x 2 batches x (D step + G step), as without the kill
    assert pretrain_ckpt.stat().st_mtime_ns == pretrain_mtime  # pretrain was not run again
    check_run_dir(run)


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(
    data_dir: Path, tmp_path: Path, cfg
) -> None:
    overrides = ["model.loss.color=inf", "model.stages.pretrain_epochs=1", "model.stages.adversarial_epochs=1",
                 "logger=none", "+trainer.limit_train_batches=1", *tiny(data_dir)]  # fmt: skip
    with pytest.raises(
        NonFiniteLossError, match=r"loss term 'color' became inf at step 1 of stage adversarial"
    ):
        train(cfg(*overrides))
    assert (tmp_path / "checkpoints" / "pretrain" / "last.ckpt").is_file()
    assert not (tmp_path / "checkpoints" / "adversarial" / "last.ckpt").exists()
    Generator().load_state_dict(torch.load(tmp_path / "generator.pt", weights_only=True))


def test_submitit_local_sweep_runs_each_job_in_its_own_process(data_dir: Path, tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    process = subprocess.Popen(
        [*TRAIN, "-m", "hydra/launcher=submitit_local", "debug=fdr", "model.loss.style=1.0,4.0",
         f"hydra.sweep.dir={sweep}", "hydra.launcher.timeout_min=5", *tiny(data_dir)],
        cwd=tmp_path, env=env_for(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out, err = process.communicate(timeout=400)
    assert process.returncode == 0, err[-3000:]
    job_ids = sorted(p.name for p in (sweep / ".submitit").iterdir() if p.name.isdigit())
    assert len(job_ids) == 2 and str(process.pid) not in job_ids  # submitit's local job id is the job's PID
    for number, style in ((0, "1.0"), (1, "4.0")):
        run = sweep / str(number)
        check_run_dir(run)  # each job left its generator.pt, checkpoints and samples
        assert f"model.loss.style={style}" in (run / ".hydra" / "overrides.yaml").read_text()
    logs = "".join(next((sweep / ".submitit" / job).glob("*_log.out")).read_text() for job in job_ids)
    for number in (0, 1):  # each job process printed its own run's generator
        assert f"generator:     {sweep / str(number) / 'generator.pt'}" in logs
