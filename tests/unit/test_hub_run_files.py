"""A run whose config names another generator file and samples folder gets a correct Hub folder, also when it is
rebuilt from the saved Hydra config after the run folder moved; a run folder without a config uses the defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from PIL import Image
from safetensors.torch import load_file

from animegan.hub.card import SAMPLE_FILE, WEIGHTS_FILE
from animegan.hub.folder import HUB_DIR, ensure_hub_folder, write_hub_folder
from animegan.hub.run_files import HYDRA_CONFIG, run_files
from animegan.hub.weights_card import _run_folder
from animegan.nets import GeneratorV2


def state(seed: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    return GeneratorV2().state_dict()


def grid(path: Path, seed: int) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = np.random.default_rng(seed).integers(0, 256, (8, 16, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(path)
    return path.read_bytes()


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, dict, dict[str, torch.Tensor], bytes]:
    """A run folder whose config names ``g.pt`` and ``grids/``, with decoys at the default names."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    trained = state(1)
    torch.save(trained, run_dir / "g.pt")
    torch.save(state(2), run_dir / "generator.pt")  # a decoy at the default name
    sample = grid(run_dir / "grids" / "0002.png", 1)
    grid(run_dir / "samples" / "0009.png", 2)  # a decoy at the default folder
    cfg = {
        "paths": {
            "output_dir": "${hydra:runtime.output_dir}",
            "generator_file": "${paths.output_dir}/g.pt",
            "samples_dir": "${paths.output_dir}/grids",
        },
        "model": {"generator": {"arch": "v2"}},
        "data": {"style": "Demo", "root": str(tmp_path / "data"), "image_size": 32},
    }
    return run_dir, cfg, trained, sample


def assert_hub_folder_of(folder: Path, trained: dict[str, torch.Tensor], sample: bytes) -> None:
    written = load_file(folder / WEIGHTS_FILE)
    assert written.keys() == trained.keys()
    for name, tensor in trained.items():
        torch.testing.assert_close(written[name], tensor, rtol=0, atol=0)
    assert (folder / SAMPLE_FILE).read_bytes() == sample


def test_the_config_names_the_generator_file_and_samples_dir(run, tmp_path):
    run_dir, cfg, trained, sample = run
    assert_hub_folder_of(write_hub_folder(run_dir, cfg, metrics={}), trained, sample)
    (run_dir / ".hydra").mkdir()
    OmegaConf.save(OmegaConf.create(cfg), run_dir / HYDRA_CONFIG)
    shutil.rmtree(run_dir / HUB_DIR)
    moved = run_dir.rename(tmp_path / "moved")  # the saved config still names ${hydra:runtime.output_dir}
    assert run_files(moved).generator == moved / "g.pt"
    assert_hub_folder_of(ensure_hub_folder(moved), trained, sample)
    assert _run_folder(str(moved / "g.pt")) == moved and _run_folder(str(moved / "generator.pt")) is None


def test_a_run_folder_without_a_config_has_the_default_files(tmp_path):
    files = run_files(tmp_path)
    assert (files.generator, files.samples) == (tmp_path / "generator.pt", tmp_path / "samples")
