"""ONNX generators through ONNX Runtime: layout from the graph, AnimeGANv3's size rule and post-processing as
its reference script does them, any image size kept, tiling and reduced precision refused in one line."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from helpers.onnx_models import write_onnx

from animegan.errors import WeightsError
from animegan.inference.onnx_stylizer import OnnxStylizer, v3_side
from animegan.inference.runtimes.onnx_runtime import OnnxGenerator, providers_for

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def v3(tmp_path_factory) -> tuple[Path, torch.nn.Module]:
    path = tmp_path_factory.mktemp("onnx") / "AnimeGANv3_Fabricated_1.onnx"
    return path, write_onnx(path)


def reference_v3(model: torch.nn.Module, rgb: np.ndarray, multiple: int = 8) -> np.ndarray:
    """deploy/test_by_onnx.py's steps: size rule, cv2 bilinear resize, x/127.5-1, run, truncate, resize back."""
    h, w = rgb.shape[:2]
    to = lambda s: 256 if s < 256 else s - s % multiple  # noqa: E731
    image = cv2.resize(rgb.astype(np.float32), (to(w), to(h))) / 127.5 - 1.0
    with torch.no_grad():
        out = model(torch.from_numpy(image[None]))[0].numpy()
    out = np.clip((out + 1.0) / 2 * 255, 0, 255).astype(np.uint8)
    return cv2.resize(out, (w, h))


def test_size_rule_is_the_references() -> None:
    assert [v3_side(s) for s in (200, 300, 500, 1080)] == [256, 296, 496, 1080]
    assert [v3_side(s, 16) for s in (200, 300, 500, 1080)] == [256, 288, 496, 1072]


def test_layout_and_names_are_read_from_the_graph(v3, tmp_path: Path) -> None:
    g = OnnxGenerator(v3[0], device="cpu")
    assert (g.layout, g.family, g.fixed_size, g.input) == ("NHWC", "v3", None, "AnimeGANv3_input:0")
    nchw = tmp_path / "generic.onnx"
    write_onnx(nchw, nhwc=False, names=("image", "stylized"))
    g = OnnxGenerator(nchw, device="cpu")
    assert (g.layout, g.family) == ("NCHW", "generic")


@pytest.mark.parametrize("size", [(256, 264), (250, 301), (512, 389)])
def test_v3_output_matches_the_reference_steps_at_any_size(v3, size, rng) -> None:
    path, model = v3
    rgb = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
    ours = OnnxStylizer(OnnxGenerator(path, device="cpu"))(rgb)
    assert ours.shape == rgb.shape
    assert np.abs(ours.astype(int) - reference_v3(model, rgb).astype(int)).max() <= 1  # ORT vs torch rounding


def test_conforming_sizes_are_not_resized(v3, rng) -> None:
    """256x264 already satisfies the rule: the output is the model's own, truncated, without any resize."""
    path, model = v3
    rgb = rng.integers(0, 256, (256, 264, 3), dtype=np.uint8)
    with torch.no_grad():
        raw = model(torch.from_numpy(rgb[None].astype(np.float32) / 127.5 - 1.0))[0].numpy()
    expected = np.clip((raw + 1.0) / 2 * 255, 0, 255).astype(np.uint8)
    ours = OnnxStylizer(OnnxGenerator(path, device="cpu"))(rgb)
    assert np.abs(ours.astype(int) - expected.astype(int)).max() <= 1


def test_tiny_models_use_multiples_of_16(tmp_path: Path, rng) -> None:
    path = tmp_path / "AnimeGANv3_tiny_Cute.onnx"
    model = write_onnx(path)
    rgb = rng.integers(0, 256, (300, 280, 3), dtype=np.uint8)
    ours = OnnxStylizer(OnnxGenerator(path, device="cpu"))(rgb)
    assert np.abs(ours.astype(int) - reference_v3(model, rgb, 16).astype(int)).max() <= 1


def test_fixed_size_model_is_resized_to_its_size_and_back(tmp_path: Path, rng) -> None:
    path = tmp_path / "fixed.onnx"
    write_onnx(path, fixed=(64, 64))
    g = OnnxGenerator(path, device="cpu")
    assert g.fixed_size == (64, 64) and g.fixed_batch
    assert OnnxStylizer(g).stylize_batch([rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)] * 3)[2].shape == (
        50, 70, 3)  # fmt: skip


def test_generic_nchw_generator_is_padded_and_cropped(tmp_path: Path, rng) -> None:
    path = tmp_path / "generic.onnx"
    model = write_onnx(path, nhwc=False, names=("image", "stylized"))
    rgb = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)  # multiples of 8 already: no padding
    with torch.no_grad():
        raw = model(torch.from_numpy(rgb.astype(np.float32) / 127.5 - 1).permute(2, 0, 1)[None])[0]
    expected = np.clip(np.round((raw.permute(1, 2, 0).numpy() + 1) * 127.5), 0, 255)
    assert np.abs(OnnxStylizer(OnnxGenerator(path, device="cpu"))(rgb) - expected).max() <= 1


def test_tile_and_reduced_precision_are_refused_in_one_line(v3) -> None:
    g = OnnxGenerator(v3[0], device="cpu")
    with pytest.raises(WeightsError, match="--tile is not supported for ONNX generators") as info:
        OnnxStylizer(g, tile=512)
    assert "\n" not in str(info.value)
    with pytest.raises(WeightsError, match="--precision fp16 is not supported"):
        OnnxStylizer(g, precision="fp16")


def test_providers_prefer_gpus_when_present() -> None:
    available = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    assert [p[0] if isinstance(p, tuple) else p for p in providers_for("auto", available)] == available
    assert providers_for("cuda:1", available)[1] == ("CUDAExecutionProvider", {"device_id": 1})
    assert providers_for("cpu", available) == ["CPUExecutionProvider"]
    assert providers_for("auto", ["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    with pytest.raises(WeightsError, match="no CUDA provider"):
        providers_for("cuda", ["CPUExecutionProvider"])
    with pytest.raises(WeightsError, match="unknown device"):
        providers_for("tpu", available)


def test_missing_onnxruntime_names_the_extra(v3, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(WeightsError, match=r"pip install 'animegan\[onnx\]'"):
        OnnxGenerator(v3[0])


def test_bad_onnx_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(WeightsError, match="not a usable ONNX model") as info:
        OnnxGenerator(bad)
    assert "\n" not in str(info.value)
