"""How closely converted TF weights reproduce the TF graph: PSNR of our generator in each mode against an
independent TF1 reference forward (tests/helpers/tf_graph.py), random TF weights, scikit-image's astronaut photo.

    python benchmarks/tf_fidelity.py [--sizes 256,512] [--arch v2,v1] [--json out.json]

Modes: ``port`` (the PyTorch port's forward: align_corners upsampling, layer-norm epsilon 1e-5), ``legacy_eps5``
(TF1 legacy upsampling, epsilon 1e-5), ``converted`` (what `weights convert` records: legacy upsampling, TF's
epsilon 1e-12). fp32 on the CPU. Not a speed benchmark (no baseline/fast-path ratio): a fidelity figure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from report import emit_json

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers.tf_bundle import write_checkpoint  # noqa: E402
from helpers.tf_graph import FORWARDS, TFGraph, random_tf_generator  # noqa: E402

from animegan.weights.convert import convert_checkpoint  # noqa: E402
from animegan.weights.io import build_loaded  # noqa: E402

MODES = {
    "v2": {
        "port": {},
        "legacy_eps5": {"upsample": "tf1"},
        "converted": {"upsample": "tf1", "norm_eps": 1e-12},
    },
    "v1": {"half_pixel": {"upsample": "half_pixel"}, "converted": {"upsample": "tf1"}},
}


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean(((a.astype(np.float64) - b) * 127.5) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def photo(size: int) -> torch.Tensor:
    from skimage import data
    from skimage.transform import resize

    return torch.from_numpy(
        resize(data.astronaut(), (size, size), anti_aliasing=True).astype(np.float32) * 2 - 1
    )


def measure(arch: str, size: int, seed: int = 0) -> dict[str, float]:
    variables = random_tf_generator(arch, seed)
    x = photo(size)[None]
    with torch.no_grad():
        reference = FORWARDS[arch](TFGraph(variables=variables), x)[0].numpy()
    with tempfile.TemporaryDirectory() as folder:
        state, _ = convert_checkpoint(write_checkpoint(Path(folder) / "m.ckpt", variables))
    figures = {}
    for mode, config in MODES[arch].items():
        generator = build_loaded(state, arch, config)
        with torch.no_grad():
            ours = generator(x.permute(0, 3, 1, 2))[0].permute(1, 2, 0).numpy()
        figures[f"psnr_db_{mode}"] = round(psnr(ours, reference), 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="256,512")
    parser.add_argument("--arch", default="v2,v1")
    parser.add_argument("--json", help="also write the JSON record here")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    results = {
        arch: {size: measure(arch, int(size)) for size in args.sizes.split(",")}
        for arch in args.arch.split(",")
    }
    for arch, rows in results.items():
        for size, figures in rows.items():
            print(f"{arch} {size}x{size}: " + ", ".join(f"{k[8:]} {v} dB" for k, v in figures.items()))
    emit_json(results, args.json)


if __name__ == "__main__":
    main()
