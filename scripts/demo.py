"""``make demo``: build the demo dataset, train the demo style on the CPU, stylize a photo and a short video.

    python scripts/demo.py --dir demo [--skip-data] [-- extra animegan-train overrides]

Everything runs offline: photos come from scikit-image, the VGG19 features are random (labelled as such).
Prints where the run directory, the sample grids and the stylized outputs are, the val distances, and how well the
generator keeps the val photos (PSNR after pretrain; chroma error of the output and of the style set itself).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def run(command: list[str], what: str) -> float:
    """Run a step, streaming its output; stop the demo with its exit code if it fails."""
    print(f"\n=== {what}\n$ {' '.join(command)}", flush=True)
    start = time.perf_counter()
    code = subprocess.call(command)
    if code != 0:
        print(f"demo: step '{what}' failed with exit code {code}", file=sys.stderr)
        sys.exit(code)
    return time.perf_counter() - start


def distances_table(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def save_before_after(photo: Path, stylized: Path, target: Path) -> Path:
    """The photo and its stylization side by side (an image users look at, saved as PNG)."""
    import numpy as np

    from animegan.imageio import read_image, write_image

    before, after = read_image(photo).rgb, read_image(stylized).rgb
    gap = np.full((before.shape[0], 8, 3), 255, np.uint8)
    return write_image(target, np.concatenate([before, gap, after], axis=1))


def trained_generator(run_dir: Path) -> Path:
    """The weights the demo shows: the generator's average (``generator_ema.pt``) when the run kept one."""
    ema = run_dir / "generator_ema.pt"
    return ema if ema.is_file() else run_dir / "generator.pt"


def pretrain_generator(checkpoint: Path) -> Path:
    """The pretrain stage's generator as validation saw it: its average, written beside the checkpoint, if any."""
    from animegan.training.ema import checkpoint_ema
    from animegan.weights.io import save_generator

    ema = checkpoint_ema(checkpoint)
    return checkpoint if ema is None else save_generator(ema, checkpoint.with_name("generator_ema.pt"))


def print_fidelity(val_dir: Path, run_dir: Path, psnr_target: float, chroma_target: float) -> None:
    """PSNR and chroma error of the val photos after pretrain and after training, and of the cartoon filter."""
    from animegan.eval.demo_figures import demo_figures, summary

    weights = {}
    pretrain = run_dir / "checkpoints" / "pretrain" / "last.ckpt"
    if pretrain.is_file():
        weights["after pretrain"] = pretrain_generator(pretrain)
    weights["after training"] = trained_generator(run_dir)
    figures = demo_figures(val_dir, weights)
    for line in summary(figures, "after pretrain", "after training", psnr_target, chroma_target):
        print(line)
    (run_dir / "val_fidelity.json").write_text(json.dumps(figures, indent=2) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("demo"), help="where data, run and outputs go")
    parser.add_argument("--skip-data", action="store_true", help="reuse DIR/data if it exists")
    parser.add_argument("--psnr-target", type=float, default=22.0, help="PSNR (dB) expected after pretrain")
    parser.add_argument(
        "--chroma-target", type=float, default=1.5, help="output chroma error at most this x the style set's"
    )
    parser.add_argument("overrides", nargs="*", help="extra animegan-train overrides")
    args = parser.parse_args()
    root = args.dir.resolve()
    data_dir, run_dir, out_dir = (
        root / "data",
        root / "runs" / time.strftime("%Y%m%d-%H%M%S"),
        root / "stylized",
    )
    python = sys.executable
    timings: dict[str, float] = {}

    if not (args.skip_data and (data_dir / "Demo" / "dataset.json").is_file()):
        timings["demo data"] = run([python, "-m", "animegan.cli", "demo-data", str(data_dir)], "demo dataset")

    from animegan.training.runner import resolve_precision

    precision = resolve_precision(
        "auto", "cpu"
    )  # what trainer.precision: auto (conf/trainer/cpu.yaml) becomes
    train = [python, "-m", "animegan.training.app", "experiment=demo", f"paths.data_dir={data_dir}"]
    train += [f"hydra.run.dir={run_dir}", *args.overrides]
    timings["training"] = run(train, f"training (CPU, {precision}, random VGG features)")
    weights = trained_generator(run_dir)

    photo = data_dir / "val" / "val_000.jpg"
    from animegan.data.demo.clip import make_demo_clip

    clip = make_demo_clip(root / "clip.mp4", frames=36, fps=12, size=(256, 192))
    stylize = [python, "-m", "animegan.cli", "stylize", "--weights", str(weights), "-o", str(out_dir)]
    timings["stylize"] = run([*stylize, str(photo), str(clip)], "stylize a photo and a video with sound")
    save_before_after(photo, next(out_dir.glob(f"{photo.stem}.*")), root / "before_after.png")

    rows = distances_table(run_dir / "val_distances.jsonl")
    print("\n=== demo finished")
    print("times: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()))
    adversarial_start = next((r for r in rows if r["stage"] == "adversarial" and r["when"] == "start"), None)
    labelled = [("before training", rows[0] if rows else None), ("after pretrain", adversarial_start)]
    for label, row in [*labelled, ("after training", rows[-1] if rows else None)]:
        if row is not None:
            print(
                f"val {label:<16}: content distance {row['content_distance']:.4f}, "
                f"style distance {row.get('style_distance', float('nan')):.6f} ({row['stage']} step {row['step']})"
            )
    print_fidelity(data_dir / "val", run_dir, args.psnr_target, args.chroma_target)
    print(f"run directory: {run_dir}")
    print(f"generator:     {weights}")
    for grid in sorted((run_dir / "samples").glob("*.png"), key=lambda p: p.stat().st_mtime):
        print(f"sample grid:   {grid}")
    for output in sorted(out_dir.iterdir()):
        print(f"stylized:      {output}")
    print(f"before/after:  {root / 'before_after.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
