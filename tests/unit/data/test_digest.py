"""prepare records a sha256 of the style set's and the photo set's contents in dataset.json: the value
``sha256sum`` gives over the set's manifest, independent of the folder and of timestamps, changed by any pixel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from animegan.data.prepare.style import prepare_style_dir


def sha256sum_of_set(folder: Path) -> str:
    """The reference: coreutils' ``sha256sum`` over the files, then over its own output."""
    names = sorted(p.name for p in folder.iterdir())
    lines = subprocess.run(
        ["sha256sum", *names], cwd=folder, capture_output=True, text=True, check=True
    ).stdout
    return subprocess.run(
        ["sha256sum"], input=lines, capture_output=True, text=True, check=True
    ).stdout.split()[0]


def make_sets(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for folder, n in (("Set/style", 3), ("train_photo", 2)):
        (root / folder).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (8, 8, 3), np.uint8)).save(root / folder / f"{i}.png")
    return root / "Set"


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils' sha256sum")
def test_set_hashes_match_sha256sum_survive_moves_and_see_pixels(tmp_path: Path) -> None:
    style_root = make_sets(tmp_path / "a")
    prepare_style_dir(style_root, size=8, quiet=True)
    info = json.loads((style_root / "dataset.json").read_text())
    assert info["sha256_style"] == sha256sum_of_set(style_root / "style")
    assert info["sha256_photos"] == sha256sum_of_set(tmp_path / "a" / "train_photo")

    shutil.copytree(tmp_path / "a", tmp_path / "b")  # another folder, newer timestamps: same contents
    for path in (tmp_path / "b" / "Set" / "style").iterdir():
        os.utime(path, (1, 1))
    moved = tmp_path / "b" / "Set"
    prepare_style_dir(moved, size=8, quiet=True, force=True)
    again = json.loads((moved / "dataset.json").read_text())
    assert (again["sha256_style"], again["sha256_photos"]) == (info["sha256_style"], info["sha256_photos"])

    pixels = np.asarray(Image.open(moved / "style" / "1.png")).copy()
    pixels[0, 0, 0] ^= 1
    Image.fromarray(pixels).save(moved / "style" / "1.png")
    prepare_style_dir(moved, size=8, quiet=True)
    assert json.loads((moved / "dataset.json").read_text())["sha256_style"] != info["sha256_style"]
