"""A photo through ``animegan stylize`` imports none of the heavy optional packages (video, faces, training,
UI) and, from the second process with the same weights on, not even PyTorch (the warm start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

from animegan.nets import GeneratorV2

HEAVY = ("av", "dlib", "openvino", "nncf", "pytorch_lightning", "lightning", "gradio", "hydra")
CHILD = """
import json, sys
from animegan.cli import main
code = main(sys.argv[1:])
loaded = {name.split(".")[0] for name in sys.modules}
print(json.dumps({"code": code, "heavy": sorted(loaded & set(json.loads(HEAVY))), "torch": "torch" in loaded}))
"""


def stylize_in_child(argv: list[str], **env: str) -> dict:
    """``animegan stylize`` in a fresh process: its exit code, the heavy packages and whether torch loaded."""
    child = CHILD.replace("json.loads(HEAVY)", repr(list(HEAVY)))
    done = subprocess.run(
        [sys.executable, "-c", child, "stylize", *argv, "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_photo_loads_no_heavy_package_and_the_next_one_not_even_torch(tmp_path):
    """The first photo: PyTorch, no heavy optional package before its output (OpenVINO loads after it, to build
    the model the next process starts from); the second photo: the warm start, OpenVINO without PyTorch, with
    the output the same OpenVINO model gives on the PyTorch path (``--runtime openvino``, cache off)."""
    torch.manual_seed(0)
    torch.save(GeneratorV2().state_dict(), tmp_path / "g.pt")
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (42, 58, 3), dtype=np.uint8)).save(
        tmp_path / "photo.png"
    )
    common = ["--weights", str(tmp_path / "g.pt"), "--device", "cpu"]
    cache = {"ANIMEGAN_CACHE": str(tmp_path / "cache")}
    first = stylize_in_child(
        [str(tmp_path / "photo.png"), "-o", str(tmp_path / "first.png"), *common], **cache
    )
    assert first == {"code": 0, "heavy": ["openvino"], "torch": True}
    assert len(list((tmp_path / "cache" / "runtime").glob("*.warm"))) == 1
    second = stylize_in_child(
        [str(tmp_path / "photo.png"), "-o", str(tmp_path / "warm.png"), *common], **cache
    )
    assert second == {"code": 0, "heavy": ["openvino"], "torch": False}
    off = {**cache, "ANIMEGAN_RUNTIME_CACHE": "0"}
    argv = [str(tmp_path / "photo.png"), "-o", str(tmp_path / "ov.png"), *common, "--runtime", "openvino"]
    assert stylize_in_child(argv, **off)["torch"]
    warm, openvino, first_out = (
        np.asarray(Image.open(tmp_path / n)) for n in ("warm.png", "ov.png", "first.png")
    )
    assert warm.shape == (42, 58, 3)
    np.testing.assert_array_equal(warm, openvino)
    mse = np.mean((warm.astype(float) - first_out.astype(float)) ** 2)
    assert 10 * np.log10(255**2 / max(mse, 1e-12)) >= 35  # PyTorch bf16 and OpenVINO bf16: the same picture


def test_the_check_sees_a_heavy_import():
    """The same check in a child that does import one of them: it would fail if the check saw nothing."""
    child = "import sys, av; print(sorted({n.split('.')[0] for n in sys.modules} & {'av'}))"
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "['av']"


def test_int8_starts_warm_too_without_torch_or_nncf(tmp_path):
    """``--precision int8``: the first process quantizes (NNCF) and records the quantized IR; the second reads it
    without PyTorch or NNCF and writes the first's picture, pixel for pixel (the same IR, compiled the same way)."""
    torch.manual_seed(1)
    torch.save(GeneratorV2().state_dict(), tmp_path / "g.pt")
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (40, 52, 3), dtype=np.uint8)).save(
        tmp_path / "photo.png"
    )
    common = [str(tmp_path / "photo.png"), "--weights", str(tmp_path / "g.pt"), "--device", "cpu"]
    common += ["--precision", "int8"]
    cache = {"ANIMEGAN_CACHE": str(tmp_path / "cache")}
    first = stylize_in_child([*common, "-o", str(tmp_path / "first.png")], **cache)
    assert first["code"] == 0 and first["torch"] and "nncf" in first["heavy"]
    (record,) = (tmp_path / "cache" / "runtime").glob("*.warm")
    assert json.loads(record.read_text())["precision"] == "int8"
    second = stylize_in_child([*common, "-o", str(tmp_path / "warm.png")], **cache)
    assert second == {"code": 0, "heavy": ["openvino"], "torch": False}
    first_out, warm = (np.asarray(Image.open(tmp_path / n)) for n in ("first.png", "warm.png"))
    np.testing.assert_array_equal(warm, first_out)
