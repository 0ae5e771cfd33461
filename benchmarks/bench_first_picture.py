"""The first picture: ``animegan stylize photo.png -o out.png`` against the PyTorch port's ``test.py`` on the same
photo and weights, each a fresh child process timed from outside (process start to file written), interleaved.

Also the import time of each (``python -X importtime``: the sum of its top-level imports), whether PyTorch was
imported, and the heavy optional packages a plain photo pulls in (none of PyAV, dlib, Lightning, Gradio, Hydra
should appear; OpenVINO runs the warm start). The runtime cache lives in a fresh folder: our first run fills it
(reported apart as ``cold``: the PyTorch path, then the OpenVINO build for the next process, until exit), the
timed rounds find it, as a user's second photo does (the warm start: no PyTorch import, see
``runtimes.warm_start``); a third contender runs ours with the runtime cache off (``ANIMEGAN_RUNTIME_CACHE=0``:
the PyTorch path with the ``auto`` check in every process, as before anything was cached).
``port_test.py`` re-does the port's ``test.py`` (``port_model.py`` layout).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from end_to_end import command
from report import emit_json

HERE = Path(__file__).resolve().parent
NO_CACHE = "animegan stylize, runtime cache off"
HEAVY = ("av", "dlib", "openvino", "lightning", "pytorch_lightning", "gradio", "hydra", "nncf", "onnxruntime")


def write_inputs(folder: Path, side: int, weights: str | None) -> tuple[Path, Path]:
    """A PNG photo (scikit-image's astronaut at ``side``) alone in ``folder/in`` and the weights file."""
    import torch
    from PIL import Image
    from skimage import data
    from skimage.transform import resize

    from animegan.nets import GeneratorV2

    (folder / "in").mkdir()
    photo = folder / "in" / "photo.png"
    rgb = (resize(data.astronaut(), (side, side), anti_aliasing=True) * 255).round().astype(np.uint8)
    Image.fromarray(rgb).save(photo)
    if weights:
        return photo, Path(weights)
    torch.manual_seed(0)
    torch.save(GeneratorV2().state_dict(), folder / "generator.pt")  # the port's keys: loads into both
    return photo, folder / "generator.pt"


def argvs(folder: Path, photo: Path, weights: Path) -> dict[str, tuple[list[str], Path]]:
    """Each contender's command line and the file it must write (``NO_CACHE``: ours with the runtime cache
    off, as before the ``auto`` verdict was cached: the fp32 + bf16 calibration runs in the process)."""
    port = [sys.executable, str(HERE / "port_test.py"), "--checkpoint", str(weights)]
    port += ["--input_dir", str(photo.parent), "--output_dir", str(folder / "port_out")]
    ours = [*command(), "stylize", str(photo), "-o", str(folder / "out.png"), "--weights", str(weights)]
    return {
        "port test.py": (port, folder / "port_out" / photo.name),
        "animegan stylize": ([*ours, "--quiet"], folder / "out.png"),
        NO_CACHE: ([*ours, "--quiet"], folder / "out.png"),
    }


def run_once(
    argv: list[str], out: Path, env: dict, extra_python: list[str] | None = None
) -> tuple[float, str]:
    """Seconds from process start to exit (which must have written ``out``) and the child's stderr."""
    out.unlink(missing_ok=True)
    if (
        extra_python
    ):  # interpreter options (-X importtime): through the environment, for the console script too
        env = {**env, "PYTHONPROFILEIMPORTTIME": "1"}
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=1800)
    seconds = time.perf_counter() - t0
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()[-500:]}")
    return seconds, done.stderr


def import_seconds(stderr: str) -> tuple[float, list[str]]:
    """Total import time (top-level entries of ``-X importtime``) and the heavy packages (and torch) among the
    imports."""
    total, heavy = 0.0, set()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if not cumulative.strip().isdigit():
            continue  # the header line
        if not name.startswith("  "):  # top level: its cumulative time holds its children's
            total += int(cumulative) / 1e6
        top = name.strip().split(".")[0]
        if top in (*HEAVY, "torch"):
            heavy.add(top)
    return total, sorted(heavy)


def measure(side: int, weights: str | None, rounds: int) -> dict:
    """Median seconds of each contender over interleaved rounds, import times, and the ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photo, weights_path = write_inputs(folder, side, weights)
        env = {**os.environ, "ANIMEGAN_CACHE": str(folder / "cache")}
        env.pop("ANIMEGAN_RUNTIME", None)
        contenders = argvs(folder, photo, weights_path)
        cold, _ = run_once(*contenders["animegan stylize"], env)
        times: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(rounds):
            for name, (argv, out) in contenders.items():
                off = {"ANIMEGAN_RUNTIME_CACHE": "0"} if name == NO_CACHE else {}
                times[name].append(run_once(argv, out, {**env, **off})[0])
        imports = {}
        for name, (argv, out) in list(contenders.items())[:2]:
            seconds, heavy = import_seconds(run_once(argv, out, env, ["-X", "importtime"])[1])
            imports[name] = {
                "import_s": seconds,
                "torch_imported": "torch" in heavy,
                "heavy_imports": [h for h in heavy if h != "torch"],
            }
    port, ours, uncached = (float(np.median(times[name])) for name in contenders)
    return {
        "size": f"{side}x{side}",
        "port_test_py_s": port,
        "animegan_s": ours,
        "animegan_cold_cache_s": cold,
        "first_picture_speedup": port / ours,
        "animegan_cache_off_s": uncached,
        "cache_on_over_off_speedup": uncached / ours,
        "rounds_s": times,
        "imports": imports,
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--weights", help="v2 generator weights (default: random, seeded)")
    parser.add_argument("--size", type=int, default=512, help="photo side (pixels)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    row = measure(args.size, args.weights, args.rounds)
    ours, port = row["imports"]["animegan stylize"], row["imports"]["port test.py"]
    print(
        f"first picture {row['size']}: port test.py {row['port_test_py_s']:.2f} s, animegan stylize "
        f"{row['animegan_s']:.2f} s (first run, empty cache {row['animegan_cold_cache_s']:.2f} s): "
        f"x{row['first_picture_speedup']:.2f}; runtime cache off {row['animegan_cache_off_s']:.2f} s "
        f"(x{row['cache_on_over_off_speedup']:.2f}); imports {port['import_s']:.2f} s vs {ours['import_s']:.2f} s; "
        f"torch imported: {ours['torch_imported']}; heavy imports: {', '.join(ours['heavy_imports']) or 'none'} (load {load:.1f} -> {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    emit_json({"first_picture": row, "load_average": [load, os.getloadavg()[0]]}, args.json)


if __name__ == "__main__":
    main()
