"""Peak memory of ``animegan stylize`` on a large photo, end to end, each run in a fresh child process.

The child is the real command (``animegan.cli.main``): parse the flags, load the weights file, decode the JPEG,
stylize (tiled or not), encode and write the PNG under a temporary name, rename. Its peak resident set (VmHWM:
not inherited across exec, unlike ``ru_maxrss``) is what a user's ``animegan stylize`` process peaks at,
interpreter and libraries included. Used by ``bench_stylize.py --memory``; as a script it is the child.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT_MIB = 2048  # the bound for a 3840x2160 photo with --tile 512 on CPU


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_inputs(folder: Path, width: int, height: int) -> tuple[Path, Path]:
    """A real photo (scikit-image's astronaut) resized to width x height as JPEG, and seeded random weights."""
    import numpy as np
    import torch
    from PIL import Image
    from skimage import data
    from skimage.transform import resize

    from animegan.nets import GeneratorV2

    photo = (resize(data.astronaut(), (height, width), anti_aliasing=True) * 255).round().astype(np.uint8)
    Image.fromarray(photo).save(folder / "photo.jpg", quality=95)
    torch.manual_seed(0)
    torch.save(GeneratorV2().state_dict(), folder / "random_generator.pt")  # fabricated: speed/memory only
    return folder / "photo.jpg", folder / "random_generator.pt"


def measure(tiles: list[int | None], precision: str, size: tuple[int, int] = (3840, 2160)) -> list[dict]:
    """One child run of ``animegan stylize photo.jpg --tile T`` per tile (None: untiled); rows of figures."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        photo, weights = _write_inputs(Path(tmp), *size)
        for tile in tiles:
            out = Path(tmp) / f"out_{tile or 'untiled'}.png"
            argv = ["stylize", str(photo), "-o", str(out), "--weights", str(weights), "--device", "cpu"]
            argv += ["--precision", precision, "--quiet"] + (["--tile", str(tile)] if tile else [])
            done = subprocess.run(
                [sys.executable, __file__, *argv], capture_output=True, text=True, timeout=3600
            )
            if done.returncode != 0 or not out.is_file():
                raise RuntimeError(f"stylize tile={tile} failed: {done.stderr.strip()[-500:]}")
            row = {"size": f"{size[0]}x{size[1]}", "tile": tile, "precision": precision}
            row |= json.loads(done.stdout.strip().splitlines()[-1])
            row["under_2_gib"] = row["peak_rss_mib"] < LIMIT_MIB
            print(
                f"  {row['size']} photo, animegan stylize --tile {tile or '(none)'}: peak RSS "
                f"{row['peak_rss_mib']:.0f} MiB ({row['seconds']:.1f} s end to end)",
                flush=True,
            )
            rows.append(row)
    return rows


def child(argv: list[str]) -> None:
    """Run the command in this process and print its exit status, peak RSS and wall time as JSON."""
    from animegan.cli import main

    t0 = time.perf_counter()
    status = main(argv)
    print(json.dumps({"exit": status, "peak_rss_mib": peak_rss_mib(), "seconds": time.perf_counter() - t0}))
    sys.exit(status)


if __name__ == "__main__":
    child(sys.argv[1:])
