"""``make demo``'s figures from generator files: one row per file plus the cartoon filter, same photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from animegan.eval import demo_figures
from animegan.eval.fidelity import fidelity
from animegan.eval.models import baseline
from animegan.imageio import write_image
from animegan.inference.stylizer import Stylizer
from animegan.nets.generator import build_generator
from animegan.weights.io import save_generator


def test_rows_from_a_generator_file_and_the_filter(tmp_path: Path) -> None:
    torch.manual_seed(0)
    weights = save_generator(build_generator("v2"), tmp_path / "generator.pt")
    rng = np.random.default_rng(1)
    photos = [rng.integers(0, 256, (32, 40, 3), dtype=np.uint8) for _ in range(2)]
    for i, rgb in enumerate(photos):
        write_image(tmp_path / "val" / f"val_{i}.png", rgb)
    figures = demo_figures.demo_figures(tmp_path / "val", {"after training": weights})
    assert list(figures) == ["after training", demo_figures.STYLE_ROW]
    stylizer = Stylizer.from_weights(str(weights), device="cpu", quiet=True)
    expected = fidelity((rgb, stylizer(rgb)) for rgb in photos)
    assert figures["after training"]["chroma_error"] == pytest.approx(expected["chroma_error"], rel=1e-4)
    cartoon_filter = baseline("cartoon").stylize  # one seeded palette generator over the photos, in order
    cartoon = fidelity((rgb, cartoon_filter(rgb)) for rgb in photos)
    assert figures[demo_figures.STYLE_ROW] == pytest.approx(cartoon)
    assert figures["after training"]["images"] == 2
