"""A photo through ``animegan stylize`` imports none of the heavy optional packages (video, faces, OpenVINO,
training, UI): they load only for the jobs that need them (the first picture's start-up)."""

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
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(HEAVY)))
print(json.dumps({"code": code, "heavy": heavy}))
"""


def test_stylizing_a_photo_imports_no_heavy_optional_package(tmp_path):
    torch.manual_seed(0)
    torch.save(GeneratorV2().state_dict(), tmp_path / "g.pt")
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 56, 3), dtype=np.uint8)).save(
        tmp_path / "photo.png"
    )
    argv = ["stylize", str(tmp_path / "photo.png"), "-o", str(tmp_path / "out.png")]
    argv += ["--weights", str(tmp_path / "g.pt"), "--quiet"]
    child = CHILD.replace("json.loads(HEAVY)", repr(list(HEAVY)))
    env_cache = {"ANIMEGAN_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", child, *argv],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env_cache},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "heavy": []}
    assert Image.open(tmp_path / "out.png").size == (56, 40)


def test_the_check_sees_a_heavy_import():
    """The same check in a child that does import one of them: it would fail if the check saw nothing."""
    child = "import sys, av; print(sorted({n.split('.')[0] for n in sys.modules} & {'av'}))"
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "['av']"
