"""A single photo end to end, process start to file written: ``animegan stylize photo.jpg -o out.png`` in fresh
child processes, the default runtime against ``--runtime torch`` (the eager path before OpenVINO), interleaved.

Each child is the installed ``animegan`` command (interpreter start, imports, weights, decode, stylize, encode,
rename), timed from outside. The runtime cache lives in a fresh folder: the first default run at each size fills
it (reported as ``cold``), the timed rounds after it find it, as a user's second photo does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def command() -> list[str]:
    """The ``animegan`` console script next to this interpreter, else the same entry point through ``-c``."""
    script = Path(sys.executable).with_name("animegan")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from animegan.cli import main; sys.exit(main(sys.argv[1:]))"]


def write_inputs(folder: Path, sides: list[int], state: dict) -> tuple[dict[int, Path], Path]:
    """JPEG photos (scikit-image's astronaut) of each side and the weights file (random unless given)."""
    import torch
    from PIL import Image
    from skimage import data
    from skimage.transform import resize

    photos = {}
    for side in sides:
        rgb = (resize(data.astronaut(), (side, side), anti_aliasing=True) * 255).round().astype(np.uint8)
        photos[side] = folder / f"photo_{side}.jpg"
        Image.fromarray(rgb).save(photos[side], quality=95)
    weights = folder / "generator.pt"
    torch.save(state, weights)
    return photos, weights


def run_once(photo: Path, weights: Path, out: Path, extra: list[str], env: dict) -> float:
    """Seconds from process start to exit of one ``animegan stylize`` run (which must write ``out``)."""
    out.unlink(missing_ok=True)
    argv = [*command(), "stylize", str(photo), "-o", str(out), "--weights", str(weights), "--quiet", *extra]
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=1800)
    seconds = time.perf_counter() - t0
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()[-500:]}")
    return seconds


MODES = {"default": [], "torch (eager, before)": ["--runtime", "torch"]}


def measure(sides: list[int], state: dict, rounds: int) -> list[dict]:
    """Median seconds per size for each mode, timed round-robin; the default's first (cold-cache) run apart."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photos, weights = write_inputs(folder, sides, state)
        env = {**os.environ, "ANIMEGAN_CACHE": str(folder / "cache")}
        env.pop("ANIMEGAN_RUNTIME", None)
        for side in sides:
            cold = run_once(photos[side], weights, folder / "out.png", MODES["default"], env)
            times: dict[str, list[float]] = {mode: [] for mode in MODES}
            for _ in range(rounds):
                for mode, extra in MODES.items():
                    times[mode].append(run_once(photos[side], weights, folder / "out.png", extra, env))
            default, eager = (float(np.median(t)) for t in times.values())
            row = {
                "size": f"{side}x{side}",
                "default_s": default,
                "default_cold_cache_s": cold,
                "torch_eager_s": eager,
                "end_to_end_speedup": eager / default,
                "rounds": rounds,
            }
            print(
                f"  end to end {row['size']:>9}: default {default:6.2f} s (first run, empty cache {cold:.2f} s), "
                f"--runtime torch {eager:6.2f} s: x{eager / default:.2f}",
                flush=True,
            )
            rows.append(row)
    return rows
