"""CUDA paths: fp16 inference, 16-mixed training. Marked ``gpu``: skipped on machines without a CUDA device."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from animegan.inference.runtimes.precision import psnr
from animegan.inference.stylizer import Stylizer
from animegan.nets import Generator
from animegan.weights.io import save_generator

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    return save_generator(Generator(), tmp_path_factory.mktemp("w") / "random_generator.pt")


def test_fp16_cuda_matches_fp32_within_35_db(weights: Path, astronaut: np.ndarray) -> None:
    reference = Stylizer.from_weights(weights, device="cpu", precision="fp32")(astronaut)
    for precision in ("fp16", "auto"):
        out = Stylizer.from_weights(weights, device="cuda", precision=precision)(astronaut)
        assert out.shape == astronaut.shape
        assert psnr(out, reference) >= 35.0


def test_fdr_training_with_16_mixed_on_gpu(tmp_path: Path, cfg) -> None:
    from animegan.data.demo.dataset import make_demo_dataset
    from animegan.training.runner import train

    data = make_demo_dataset(tmp_path / "data", n_photos=4, n_style=4, n_val=2, size=64)
    overrides = [
        "trainer=gpu",
        "debug=fdr",
        "data=demo",
        f"paths.data_dir={data}",
        "data.image_size=64",
        "data.val_size=64",
        "data.batch_size=2",
        "model.vgg.weights=random",
        "logger=none",
    ]
    composed = cfg(*overrides)
    assert composed.trainer.precision == "16-mixed"
    train(composed)
    state = torch.load(tmp_path / "generator.pt", map_location="cpu", weights_only=True)
    Generator().load_state_dict(state, strict=True)
    assert all(torch.isfinite(v).all() for v in state.values())


def test_16_mixed_grad_clip_sees_unscaled_gradients_with_fused_adam_on_gpu(cfg) -> None:
    """trainer.precision=16-mixed + model.optim.grad_clip with fused Adam: every step uses the clipped norm."""
    import pytorch_lightning as pl
    from helpers.synthetic_training import SMALL, NormAtStep, SyntheticData

    from animegan.training.runner import build_module

    clip = 1e-3
    module = build_module(
        cfg(*SMALL, f"model.optim.grad_clip={clip}", "model.fast.fused_optimizer=true"), "adversarial"
    )
    seen = NormAtStep()
    trainer = pl.Trainer(accelerator="gpu", devices=1, precision="16-mixed", max_epochs=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, limit_train_batches=2,
                         limit_val_batches=0, num_sanity_val_steps=0, callbacks=[seen])  # fmt: skip
    trainer.fit(module, datamodule=SyntheticData())
    assert all(optimizer.defaults["fused"] for optimizer in trainer.optimizers)
    finite = [norm for norm in seen.norms if np.isfinite(norm)]  # steps the scaler skipped show inf/nan
    assert finite and finite == pytest.approx([clip] * len(finite), rel=1e-3)


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs 2 CUDA GPUs")
def test_ddp_on_two_gpus_trains_both_stages(tmp_path: Path) -> None:
    import subprocess
    import sys

    from animegan.data.demo.dataset import make_demo_dataset

    data = make_demo_dataset(tmp_path / "data", n_photos=8, n_style=8, n_val=2, size=64)
    run = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "animegan.training.app", "trainer=ddp", "trainer.devices=2", "debug=fdr",
         "data=demo", f"data.root={data}", "data.image_size=64", "data.val_size=64", "data.batch_size=2",
         "model.vgg.weights=random", "logger=none", "callbacks.progress_bar=null", f"hydra.run.dir={run}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "GLOBAL_RANK: 1, MEMBER: 2/2" in done.stdout + done.stderr
    Generator().load_state_dict(torch.load(run / "generator.pt", map_location="cpu", weights_only=True))


def test_v3_fdr_training_with_16_mixed_on_gpu(tmp_path: Path, cfg) -> None:
    """AnimeGANv3 under fp16 autocast (the reference has no AMP): finite losses and a finite deployed generator."""
    from animegan.data.demo.dataset import make_demo_dataset
    from animegan.training.runner import train
    from animegan.weights.io import load_generator

    data = make_demo_dataset(tmp_path / "data", n_photos=4, n_style=4, n_val=2, size=64)
    composed = cfg("trainer=gpu", "debug=fdr", "experiment=demo", "model=v3", f"paths.data_dir={data}",
                   "data.image_size=64", "data.val_size=64", "data.batch_size=2", "logger=none")  # fmt: skip
    assert composed.trainer.precision == "16-mixed"
    train(composed)
    generator = load_generator(tmp_path / "generator.pt")
    assert all(torch.isfinite(v).all() for v in generator.state_dict().values())
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        assert torch.isfinite(generator(x)).all()
