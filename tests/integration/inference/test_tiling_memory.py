"""Tiles bound the memory of ``animegan stylize`` on a large photo (each run a fresh child process).

The 4K figure (under 2 GiB with ``--tile 512``) is measured by ``benchmarks/bench_stylize.py --memory``; this
smaller case checks the same property with a margin: tiled, the memory above the process's fixed cost
(interpreter, libraries, weights) is a small fraction of what the untiled run needs. Measured at 1280x720,
fp32, --tile 128: +1446 MiB untiled, +265 MiB tiled (most of it the 512-px statistics pass).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from skimage.transform import resize

from animegan.nets import GeneratorV2

PEAK_MEMORY = Path(__file__).resolve().parents[3] / "benchmarks" / "peak_memory.py"


def peak_rss_mib(photo: Path, weights: Path, out: Path, *flags: str) -> float:
    """Peak RSS (MiB) of ``animegan stylize photo -o out`` run by benchmarks/peak_memory.py in a child."""
    command = [
        sys.executable,
        str(PEAK_MEMORY),
        "stylize",
        str(photo),
        "-o",
        str(out),
        "--weights",
        str(weights),
    ]
    command += ["--device", "cpu", "--precision", "fp32", "--quiet", *flags]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and out.is_file(), done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])["peak_rss_mib"]


@pytest.mark.slow
def test_tiles_bound_the_memory_of_a_large_photo(tmp_path, astronaut):
    torch.manual_seed(0)
    weights = tmp_path / "random_generator.pt"  # fabricated weights: memory does not depend on their values
    torch.save(GeneratorV2().state_dict(), weights)
    big = (resize(astronaut, (720, 1280), anti_aliasing=True) * 255).round().astype(np.uint8)
    Image.fromarray(big).save(tmp_path / "big.jpg", quality=95)
    Image.fromarray(big[::20, ::20].copy()).save(tmp_path / "tiny.jpg", quality=95)
    fixed = peak_rss_mib(tmp_path / "tiny.jpg", weights, tmp_path / "tiny.png")
    untiled = peak_rss_mib(tmp_path / "big.jpg", weights, tmp_path / "untiled.png")
    tiled = peak_rss_mib(tmp_path / "big.jpg", weights, tmp_path / "tiled.png", "--tile", "128")
    assert Image.open(tmp_path / "tiled.png").size == (1280, 720)
    assert tiled - fixed < 0.3 * (untiled - fixed), (fixed, untiled, tiled)
