"""CUDA paths: fp16 inference, 16-mixed training. Marked ``gpu``: skipped on machines without a CUDA device."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from animegan.inference.precision import psnr
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
    from animegan.data.demo import make_demo_dataset
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


def test_v3_fdr_training_with_16_mixed_on_gpu(tmp_path: Path, cfg) -> None:
    """AnimeGANv3 under fp16 autocast (the reference has no AMP): finite losses and a finite deployed generator."""
    from animegan.data.demo import make_demo_dataset
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
