"""Export: ONNX (onnxruntime) and TorchScript with dynamic H/W match eager PyTorch within 1e-4."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from animegan.errors import AnimeGANError
from animegan.inference.export import export, run_exported
from animegan.nets import GeneratorV2


@pytest.fixture(scope="module")
def generator() -> GeneratorV2:
    torch.manual_seed(11)
    return GeneratorV2().eval()


@pytest.mark.parametrize("fmt,suffix", [("onnx", ".onnx"), ("torchscript", ".ts")])
def test_export_parity_at_new_sizes(generator, tmp_path: Path, fmt, suffix):
    if fmt == "onnx":
        pytest.importorskip("onnxruntime")
    path = tmp_path / f"g{suffix}"
    assert export(generator, path, fmt) <= 1e-4
    for h, w in [(52, 36), (80, 120)]:  # sizes the exporter never saw
        x = torch.rand(2, 3, h, w) * 2 - 1
        with torch.no_grad():
            eager = generator(x).numpy()
        got = run_exported(path, fmt, x)
        assert got.shape == eager.shape
        assert np.abs(got - eager).max() <= 1e-4


def test_unknown_format_is_refused(generator, tmp_path: Path):
    with pytest.raises(AnimeGANError, match="unknown export format"):
        export(generator, tmp_path / "g.x", "coreml")
    assert not (tmp_path / "g.x").exists()
