"""The warm start (``runtimes.warm_start``): a launch record left by a PyTorch-path run serves the next run
torch-free, with the OpenVINO model's own output; anything changed or broken means the PyTorch path."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from animegan.inference.frame_padding import pad_frames
from animegan.inference.options import RUNTIME_ENV, StylizeOptions
from animegan.inference.run import load_stylizer, stylize_all
from animegan.inference.runtimes import int8, warm_start
from animegan.inference.runtimes.cache import ONNX_SUFFIX, RuntimeCache
from animegan.inference.runtimes.warm_start import WarmStylizer, eligible, launch_key, open_warm, remember
from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV2
from animegan.weights.io import save_generator


@pytest.fixture
def weights(tmp_path) -> Path:
    torch.manual_seed(5)
    return save_generator(GeneratorV2(), tmp_path / "w" / "generator.pt")


@pytest.fixture
def options(weights) -> StylizeOptions:
    return StylizeOptions(weights=str(weights), device="cpu", quiet=True)


def records() -> list[Path]:
    return sorted(RuntimeCache().folder.glob(f"*{warm_start.SUFFIX}"))


@pytest.mark.parametrize(
    ("precision", "suffix"),
    [("auto", ONNX_SUFFIX), pytest.param("int8", int8.SUFFIX, marks=pytest.mark.slow)],
)
def test_a_recorded_run_starts_warm_with_the_openvino_models_exact_output(
    options, weights, rng, precision, suffix
):
    options = replace(options, precision=precision)
    assert open_warm(options) is None and records() == []  # nothing recorded yet
    assert remember(load_stylizer(options), options)  # builds and checks the OpenVINO model now
    (record,) = records()
    assert json.loads(record.read_bytes())["entry_suffix"] == suffix  # int8: the quantized IR, not the ONNX
    warm = open_warm(options)
    assert isinstance(warm, WarmStylizer)
    assert warm.precision in (("int8",) if precision == "int8" else ("bf16", "fp32"))
    openvino = Stylizer.from_weights(weights, device="cpu", runtime="openvino", precision=precision)
    for shape in [(37, 53, 3), (64, 48, 3), (9, 11, 3)]:  # reflect padding, none, replicate up to 16
        rgb = rng.integers(0, 256, shape, dtype=np.uint8)
        out = warm(rgb)
        assert out.shape == shape and out.dtype == np.uint8
        np.testing.assert_array_equal(out, openvino(rgb))


def test_another_weights_file_or_precision_has_another_key_and_a_copy_the_same(weights, tmp_path):
    copy = tmp_path / "copy.pt"
    copy.write_bytes(weights.read_bytes())
    key = launch_key(weights, "auto")
    assert launch_key(copy, "auto") == key  # the bytes count, not the path
    assert launch_key(weights, "fp32") != key
    torch.manual_seed(6)
    assert launch_key(save_generator(GeneratorV2(), tmp_path / "other.pt"), "auto") != key


def test_changed_weights_take_the_pytorch_path(options, weights):
    remember(load_stylizer(options), options)
    torch.manual_seed(7)
    save_generator(GeneratorV2(), weights)  # the same file name, new weights
    assert open_warm(options) is None


@pytest.mark.parametrize("damage", ["garbage", "wrong_fields", "onnx_gone", "onnx_corrupt"])
def test_a_broken_record_or_entry_takes_the_pytorch_path_and_is_dropped(options, damage):
    remember(load_stylizer(options), options)
    (record,) = records()
    onnx = RuntimeCache().path(json.loads(record.read_bytes())["entry_key"])
    if damage == "garbage":
        record.write_bytes(b"\x00not json")
    elif damage == "wrong_fields":
        record.write_text(json.dumps({"onnx": "x"}))
    elif damage == "onnx_gone":
        onnx.unlink()
    else:
        onnx.write_bytes(b"not an onnx model")
    assert open_warm(options) is None
    assert records() == []


@pytest.mark.parametrize(
    "change",
    [
        {"tile": 256},
        {"faces": True},
        {"compile": True},
        {"precision": "fp32"},
        {"precision": "bf16"},
        {"runtime": "torch"},
        {"device": "cuda"},
    ],
)
def test_choices_the_warm_start_does_not_serve(options, change):
    assert eligible(options)
    assert not eligible(replace(options, **change))


@pytest.mark.parametrize("variable", [(RUNTIME_ENV, "torch"), ("ANIMEGAN_RUNTIME_CACHE", "0")])
def test_the_environment_can_turn_it_off(options, monkeypatch, variable):
    monkeypatch.setenv(*variable)
    assert not eligible(options)


def test_a_run_with_a_video_among_its_inputs_takes_the_pytorch_path(
    options, monkeypatch, tmp_path, write_png
):
    remember(load_stylizer(options), options)
    opened: list[bool] = []
    monkeypatch.setattr("animegan.inference.run.open_warm", lambda o: opened.append(True))
    photo = write_png("in/a.png", np.zeros((20, 24, 3), np.uint8))
    (tmp_path / "in" / "clip.mp4").write_bytes(b"not a video")
    stylize_all([photo, tmp_path / "in" / "clip.mp4"], tmp_path / "out", options, Silent())
    assert opened == []
    stylize_all([photo], tmp_path / "out2", options, Silent())
    assert opened == [True]


class Silent:
    def done(self, job) -> None: ...

    def failed(self, message: str) -> None: ...

    def note(self, source: Path, message: str) -> None: ...


@pytest.mark.parametrize("hw", [(37, 53), (9, 11), (8, 8), (16, 30), (3, 40)])
def test_numpy_padding_equals_torch_pad(hw, rng):
    h, w = hw
    frames = rng.integers(0, 256, (2, h, w, 3), dtype=np.uint8)
    target_h, target_w = max(16, -(-h // 4) * 4), max(16, -(-w // 4) * 4)
    pad_h, pad_w = target_h - h, target_w - w
    mode = "reflect" if pad_h < h and pad_w < w else "replicate"
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float()
    expected = F.pad(x, (0, pad_w, 0, pad_h), mode=mode) if pad_h or pad_w else x
    np.testing.assert_array_equal(pad_frames(frames, 4), expected.permute(0, 2, 3, 1).byte().numpy())
