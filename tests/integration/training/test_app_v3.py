"""animegan-train with model=v3 end to end on a tiny demo dataset: `experiment=demo model=v3 debug=fdr`, the v3
reference experiments, resume at the step, and the run's generator.pt through `animegan stylize` at odd sizes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from animegan.nets import GeneratorV3
from animegan.training.runner import train
from animegan.weights.io import load_generator

pytestmark = pytest.mark.slow
TINY_V3 = ["data.image_size=32", "data.val_size=32", "data.batch_size=2", "data.val_count=2",
           "model.vgg.weights=random", "callbacks.progress_bar=null", "model.loss.targets.workers=1"]  # fmt: skip


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset
    from animegan.data.prepare.v3 import prepare_salt_noise

    root = make_demo_dataset(tmp_path_factory.mktemp("demo-data"), n_photos=6, n_style=6, n_val=2, size=48)
    prepare_salt_noise(root / "Demo", quiet=True)  # experiment=v3_shinkai reads smooth_noise/
    return root


def data_overrides(data_dir: Path, style: str = "Demo") -> list[str]:
    return ["data=demo", f"paths.data_dir={data_dir}", f"data.style={style}", *TINY_V3]


def check_v3_run_dir(run: Path) -> None:
    generator = load_generator(run / "generator.pt")
    assert isinstance(generator, GeneratorV3) and generator.support is None
    grids = list((run / "samples").glob("*.png"))
    assert {p.name.split("_")[0] for p in grids} == {"pretrain", "adversarial"}


def test_demo_with_model_v3_runs_with_debug_fdr(data_dir: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "animegan.training.app", "experiment=demo", "model=v3", "debug=fdr",
         f"hydra.run.dir={tmp_path / 'run'}", f"paths.data_dir={data_dir}", *TINY_V3],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    check_v3_run_dir(tmp_path / "run")
    assert f"generator:     {tmp_path / 'run' / 'generator.pt'}" in done.stdout


@pytest.mark.parametrize("experiment", ["v3_hayao", "v3_shinkai"])
def test_v3_reference_experiments_run_both_stages(
    experiment: str, data_dir: Path, tmp_path: Path, cfg
) -> None:
    result = train(
        cfg(f"experiment={experiment}", "debug=fdr", *data_overrides(data_dir), "data.mean_shift=none")
    )
    check_v3_run_dir(tmp_path)
    assert result is not None and result > 0


def test_v3_resumes_at_the_step_and_stylizes_any_size(
    data_dir: Path, tmp_path: Path, cfg, run_stylize
) -> None:
    run = tmp_path / "run"
    base = ["experiment=demo", "model=v3", "logger=none", f"paths.output_dir={run}", "model.stages.pretrain_epochs=1",
            "trainer.limit_train_batches=1", "trainer.limit_val_batches=1", "trainer.num_sanity_val_steps=0",
            *data_overrides(data_dir)]  # fmt: skip
    train(cfg(*base, "model.stages.adversarial_epochs=1"))
    last = run / "checkpoints" / "adversarial" / "last.ckpt"
    assert torch.load(last, map_location="cpu", weights_only=True)["global_step"] == 2
    train(cfg(*base, "model.stages.adversarial_epochs=3", "resume=true"))
    final = torch.load(last, map_location="cpu", weights_only=True)
    assert (
        final["animegan_stage"] == "adversarial" and final["global_step"] == 6
    )  # 3 epochs x 1 batch x (G + D)
    photo = tmp_path / "odd.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (37, 61, 3), dtype=np.uint8)).save(photo)
    code, out, err = run_stylize(
        str(photo), "-o", str(tmp_path / "out.png"), "--weights", str(run / "generator.pt")
    )
    assert code == 0, err
    assert np.asarray(Image.open(tmp_path / "out.png")).shape == (37, 61, 3)
    code, _, err = run_stylize(str(photo), "-o", str(tmp_path / "tiled.png"), "--weights", str(run / "generator.pt"),
                               "--tile", "16")  # fmt: skip
    assert code == 0, err
    assert np.asarray(Image.open(tmp_path / "tiled.png")).shape == (37, 61, 3)


def test_v3_shinkai_trains_on_two_ddp_processes(data_dir: Path, tmp_path: Path) -> None:
    """Two steps per stage: DDP checks unused parameters from the second step on (Shinkai's pretrain leaves
    the main tail out; the adversarial G and D phases leave each other's networks out)."""
    run = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "animegan.training.app", "trainer=ddp_sim", "logger=none", "model.stages.pretrain_epochs=1",
         "model.stages.adversarial_epochs=1", "trainer.limit_train_batches=2", "trainer.limit_val_batches=1",
         "experiment=demo", "model=v3", "loss=v3_shinkai", f"hydra.run.dir={run}", f"paths.data_dir={data_dir}",
         *TINY_V3, "data.batch_size=1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "GLOBAL_RANK: 1, MEMBER: 2/2" in done.stdout + done.stderr
    check_v3_run_dir(run)
