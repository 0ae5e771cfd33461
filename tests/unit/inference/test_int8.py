"""Opt-in int8 (--precision int8): NNCF-quantized OpenVINO model, checked against fp32, with its fallbacks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from animegan.cli import main
from animegan.errors import AnimeGANError
from animegan.inference.runtimes import int8, openvino_runtime
from animegan.inference.runtimes.execution_plan import make_plan
from animegan.inference.runtimes.precision import psnr
from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV2


@pytest.fixture(scope="module")
def generator() -> GeneratorV2:
    torch.manual_seed(7)  # random weights (fabricated)
    return GeneratorV2().eval()


def fp32_reference(generator: torch.nn.Module, rgb: np.ndarray) -> np.ndarray:
    """PyTorch fp32 straight through the generator (512 x 512 needs no padding)."""
    x = torch.tensor(rgb, dtype=torch.float32).permute(2, 0, 1)[None] / 127.5 - 1
    with torch.no_grad():
        y = generator(x)[0]
    return ((y.permute(1, 2, 0).numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)


@pytest.mark.slow
def test_int8_runs_quantized_on_openvino_within_35_db_of_fp32(generator, astronaut):
    stylizer = Stylizer(generator, device="cpu", precision="int8")
    out = stylizer(astronaut)  # built at the first call: asked for, not waiting for the break-even point
    assert stylizer.describe() == "openvino int8" and stylizer.precision == "int8"
    assert psnr(out, fp32_reference(generator, astronaut)) >= 35.0


def test_int8_is_tried_first_then_the_auto_precisions() -> None:
    assert openvino_runtime.precisions_for("int8") == ["int8", *openvino_runtime.precisions_for("auto")]
    assert "int8" not in openvino_runtime.precisions_for("auto")  # never the default


def test_calibration_inputs_are_real_photos_in_the_generators_range() -> None:
    inputs = int8.calibration_inputs(side=32)
    assert len(inputs) == len(int8.CALIBRATION_PHOTOS) >= 4
    for x in inputs:
        assert x.shape == (1, 3, 32, 32) and x.dtype == np.float32
        assert -1.0 <= x.min() < x.max() <= 1.0 and x.std() > 0.1


@pytest.mark.slow
def test_a_failed_quantization_falls_back_to_the_float_build(generator, rng, monkeypatch):
    def broken(model):
        raise RuntimeError("quantization failed")

    monkeypatch.setattr(int8, "quantize", broken)
    stylizer = Stylizer(generator, device="cpu", precision="int8")
    stylizer(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    assert stylizer.describe() == f"openvino {openvino_runtime.precisions_for('auto')[0]}"


def test_int8_without_nncf_or_off_the_cpu_or_on_torch_is_one_line(generator, monkeypatch):
    with pytest.raises(AnimeGANError, match="runs on OpenVINO; drop --runtime torch"):
        Stylizer(generator, device="cpu", precision="int8", runtime="torch")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a simulated GPU: refused before any use
    with pytest.raises(AnimeGANError, match="runs on the CPU, not on cuda"):
        make_plan(generator, "cuda", "int8")
    monkeypatch.undo()
    monkeypatch.setattr(int8, "available", lambda: False)
    with pytest.raises(AnimeGANError, match=r"needs NNCF, which is not installed: pip install"):
        Stylizer(generator, device="cpu", precision="int8")


@pytest.mark.slow
def test_cli_stylize_precision_int8_writes_the_photo(generator, astronaut, tmp_path):
    from PIL import Image

    Image.fromarray(astronaut[:128, :192]).save(tmp_path / "photo.png")
    torch.save(generator.state_dict(), tmp_path / "random.pt")
    out = tmp_path / "out.png"
    argv = ["stylize", str(tmp_path / "photo.png"), "-o", str(out), "--weights", str(tmp_path / "random.pt")]
    assert main([*argv, "--device", "cpu", "--precision", "int8", "--quiet"]) == 0
    assert np.asarray(Image.open(out)).shape == (128, 192, 3)
