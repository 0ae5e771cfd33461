"""Benchmark stylization: plain path (fp32, NCHW, eager: what the reference port does) vs the fast paths.

Measures images/s at 256x256, 512x512 and 1920x1080 for each execution path, the PSNR of each path's output
against plain fp32, video fps end to end (decode + inference + encode, threaded) against model-only fps on the
same frames, and the peak RSS of ``animegan stylize --tile 512`` on a 3840x2160 photo, end to end in a child
process (``peak_memory.py``; the issue's bound is 2 GiB on CPU). Baseline and fast paths are timed
interleaved, in the same run, because these machines are shared and noisy. Prints a table and JSON.

    python benchmarks/bench_stylize.py [--weights W] [--sizes 256,512,1080p] [--compile] [--json out.json]

Without --weights the generator has random weights (seeded): speed does not depend on the values; PSNR does a
little, so pass real weights to check the bound for them.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import peak_memory
import torch
from report import emit_json

from animegan.device import cpu_has_bf16, resolve_device
from animegan.inference.precision import ExecutionPath, candidate_paths, psnr
from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV2

SIZES = {"256": (256, 256), "512": (512, 512), "1080p": (1080, 1920)}


def photo(h: int, w: int) -> np.ndarray:
    from skimage import data
    from skimage.transform import resize

    return (resize(data.astronaut(), (h, w), anti_aliasing=True) * 255).round().astype(np.uint8)


def load_generator(weights: str | None) -> torch.nn.Module:
    if weights:
        from animegan.weights import released
        from animegan.weights.io import load_weights

        return load_weights(released.resolve(weights))
    torch.manual_seed(0)
    return GeneratorV2()


def paths_for(device: torch.device, with_compile: bool) -> list[tuple[str, ExecutionPath, bool]]:
    """(label, execution path, torch.compile?) for every path worth measuring on ``device``."""
    paths = [
        ("plain fp32 NCHW", ExecutionPath("fp32", False), False),
        ("fp32 channels_last", ExecutionPath("fp32", True), False),
    ]
    if device.type == "cuda":
        paths.append(("fp16 channels_last", ExecutionPath("fp16", True), False))
    elif cpu_has_bf16():
        paths.append(("bf16 channels_last", ExecutionPath("bf16", True), False))
    if with_compile:
        fastest = paths[-1][1]
        paths.append((f"{fastest} + compile", fastest, True))
    return paths


def make_stylizer(
    generator: torch.nn.Module, device: torch.device, path: ExecutionPath, compiled: bool
) -> Stylizer:
    stylizer = Stylizer(generator, device=device, precision=path.precision, compile=compiled)
    stylizer.execution = path  # exact layout under test
    stylizer.generator.to(
        memory_format=torch.channels_last if path.channels_last else torch.contiguous_format
    )
    return stylizer


def time_interleaved(
    stylizers: dict[str, Stylizer], image: np.ndarray, min_seconds: float, max_reps: int
) -> dict:
    """Seconds per image for each stylizer, timed round-robin after one warm-up each."""
    outputs = {name: s(image) for name, s in stylizers.items()}  # warm-up (and compile)
    times: dict[str, list[float]] = {name: [] for name in stylizers}
    start = time.perf_counter()
    while True:
        for name, stylizer in stylizers.items():
            t0 = time.perf_counter()
            stylizer(image)
            if stylizer.device.type == "cuda":
                torch.cuda.synchronize()
            times[name].append(time.perf_counter() - t0)
        reps = len(next(iter(times.values())))
        if reps >= max_reps or (time.perf_counter() - start >= min_seconds and reps >= 2):
            break
    return {name: (float(np.median(t)), outputs[name]) for name, t in times.items()}


def bench_images(generator, device, paths, sizes, min_seconds) -> list[dict]:
    rows = []
    for size_name in sizes:
        h, w = SIZES.get(size_name) or (int(size_name), int(size_name))
        image = photo(h, w)
        built = {
            label: make_stylizer(_copy(generator), device, path, compiled) for label, path, compiled in paths
        }
        results = time_interleaved(built, image, min_seconds, max_reps=10 if h <= 512 else 3)
        base_seconds, base_out = results[paths[0][0]]
        for label, (seconds, out) in results.items():
            rows.append(
                {
                    "size": f"{w}x{h}",
                    "path": label,
                    "images_per_s": 1.0 / seconds,
                    "seconds": seconds,
                    "speedup": base_seconds / seconds,
                    "psnr_vs_fp32_db": psnr(out, base_out),
                }
            )
            print(
                f"  {w}x{h:<5} {label:<28} {1 / seconds:8.3f} img/s  x{base_seconds / seconds:5.2f}  "
                f"PSNR {psnr(out, base_out):6.1f} dB",
                flush=True,
            )
    return rows


def _copy(generator: torch.nn.Module) -> torch.nn.Module:
    clone = generator.__class__()
    clone.load_state_dict(generator.state_dict())
    return clone


def bench_video(generator, device, path: ExecutionPath, size=(384, 216), frames=24, batch=4) -> dict:
    """End-to-end fps (decode + infer + encode, threaded) vs model-only fps on the same decoded frames."""
    from animegan.video.pipeline import stylize_video
    from animegan.video.probe import read_frames
    from animegan.video.synthetic import make_test_video

    stylizer = make_stylizer(_copy(generator), device, path, False)
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_test_video(Path(tmp) / "clip.mp4", frames=frames, fps=24, size=size)
        decoded = list(read_frames(clip))
        stylizer.stylize_batch(decoded[:batch])  # warm-up
        t0 = time.perf_counter()
        for i in range(0, len(decoded), batch):
            stylizer.stylize_batch(decoded[i : i + batch])
        model_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        stylize_video(
            clip, Path(tmp) / "out.mp4", stylizer.stylize_batch, batch_size=batch, show_progress=False
        )
        end_to_end_seconds = time.perf_counter() - t0
    result = {
        "clip": f"{size[0]}x{size[1]}, {frames} frames, H.264 + AAC",
        "path": str(path),
        "model_only_fps": frames / model_seconds,
        "end_to_end_fps": frames / end_to_end_seconds,
    }
    result["end_to_end_over_model"] = result["end_to_end_fps"] / result["model_only_fps"]
    print(
        f"  video {result['clip']}: model-only {result['model_only_fps']:.2f} fps, end to end "
        f"{result['end_to_end_fps']:.2f} fps ({100 * result['end_to_end_over_model']:.0f}%)",
        flush=True,
    )
    return result


def bench_flicker(generator, device, path: ExecutionPath) -> dict:
    """Flicker (mean abs diff of consecutive output frames) with and without --temporal on a static noisy clip,
    and how far --temporal moves the output of a moving clip (ghosting would show there)."""
    from animegan.video.probe import read_frames
    from animegan.video.synthetic import make_test_video
    from animegan.video.temporal import TemporalSmoother, flicker

    stylizer = make_stylizer(_copy(generator), device, path, False)
    with tempfile.TemporaryDirectory() as tmp:
        static = list(
            read_frames(make_test_video(Path(tmp) / "s.mp4", 16, 10, (128, 96), static=True, noise=8.0))
        )
        moving = list(read_frames(make_test_video(Path(tmp) / "m.mp4", 16, 10, (128, 96))))
    result = {}
    for name, frames in (("static_noisy", static), ("moving", moving)):
        plain = stylizer.stylize_batch(frames)
        smoother = TemporalSmoother()
        smooth = [smoother(f, o) for f, o in zip(frames, plain, strict=True)]
        result[name] = {
            "flicker_plain": flicker(plain),
            "flicker_temporal": flicker(smooth),
            "mean_abs_change_by_temporal": float(
                np.mean(
                    [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(smooth, plain, strict=True)]
                )
            ),
        }
        r = result[name]
        print(
            f"  flicker {name}: plain {r['flicker_plain']:.2f}, --temporal {r['flicker_temporal']:.2f} "
            f"(mean change {r['mean_abs_change_by_temporal']:.2f})",
            flush=True,
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--weights", help="generator weights (default: random, seeded)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--sizes", default="256,512,1080p", help="256, 512, 1080p or any side N (N x N)")
    parser.add_argument(
        "--compile", action="store_true", help="also measure torch.compile of the fastest path"
    )
    parser.add_argument("--min-seconds", type=float, default=6.0, help="timing budget per size")
    parser.add_argument("--skip-video", action="store_true")
    parser.add_argument(
        "--memory",
        default="512",
        help="peak RSS of `animegan stylize` on a photo, one run per comma-separated tile; 0 = untiled; '' = skip",
    )
    parser.add_argument("--memory-size", default="3840x2160", help="photo size of the memory runs (WxH)")
    parser.add_argument("--precision", default="auto", help="precision of the memory runs")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    device = resolve_device(args.device)
    generator = load_generator(args.weights).eval()
    paths = paths_for(device, args.compile)
    auto = Stylizer(_copy(generator), device=device, precision="auto").execution
    print(
        f"device {device} ({platform.processor() or platform.machine()}), torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, bf16 {cpu_has_bf16()}; auto picks: {auto}; "
        f"candidates: {', '.join(map(str, candidate_paths(device)))}",
        flush=True,
    )
    report: dict = {"device": str(device), "threads": torch.get_num_threads(), "auto_path": str(auto)}
    report["images"] = bench_images(
        generator, device, paths, [s for s in args.sizes.split(",") if s], args.min_seconds
    )
    if not args.skip_video:
        report["video"] = bench_video(generator, device, auto)
        report["flicker"] = bench_flicker(generator, device, auto)
    if args.memory:
        tiles = [int(t) or None for t in args.memory.split(",")]
        size = tuple(int(side) for side in args.memory_size.lower().split("x"))
        report["memory"] = peak_memory.measure(tiles, args.precision, size)
    print("\n| size | path | img/s | speed-up vs plain | PSNR vs fp32 (dB) |\n|---|---|---|---|---|")
    for row in report["images"]:
        print(
            f"| {row['size']} | {row['path']} | {row['images_per_s']:.3f} | {row['speedup']:.2f}x | "
            f"{row['psnr_vs_fp32_db']:.1f} |"
        )
    emit_json(report, args.json)


if __name__ == "__main__":
    main()
