"""Benchmark video stylization: 1080p frames per second end to end and model-only, and ``--temporal``'s
temporal consistency measured by the standard warping error (Lai et al. 2018, ``animegan.eval.warping_error``).

- Speed: a 1920x1080 H.264 + AAC clip of a pan/zoom over a scikit-image photo (real, smooth camera motion).
  Model-only fps: the decoded frames through the default ``Stylizer`` (``--precision auto``; OpenVINO bf16 where
  the CPU has bf16) and through PyTorch eager (``--runtime torch``, the default before OpenVINO), interleaved.
  End-to-end fps: the real pipeline (``stylize_video``: decode, stylize and encode threads, sound kept) with the
  same warm default ``Stylizer``.
- Breakdown (``video_breakdown.py``): decode, model one frame per call (the image path) and batched, encode,
  a folder of the same frames as PNGs end to end, and the video end to end, each alone in the same run.
- Temporal consistency: a smaller pan/zoom clip; the warping error (flow on the input frames, occlusion by the
  forward-backward check, mean |O_t - warp(O_{t-1})| on 0..255) of the plain output and of ``--temporal``
  (``TemporalSmoother``, the hook ``animegan stylize --temporal`` runs), with the input clip's own error (what
  flow and resampling alone leave) and the flicker of a static noisy clip for reference.

    python benchmarks/bench_video.py [--weights W] [--frames 8] [--size 1920x1080] [--temporal-size 480x270]

Without --weights the generator has random weights (seeded, fabricated): speed does not depend on the values;
the warping errors do, so pass real weights for figures of a real style.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import video_breakdown
from report import emit_json

from animegan.eval.warping_error import warping_error
from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV2
from animegan.video.pipeline import stylize_video
from animegan.video.probe import read_frames
from animegan.video.temporal import TemporalSmoother, flicker

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/helpers: the synthetic clips
from helpers.synthetic_video import make_test_video, pan_zoom  # noqa: E402


def generator(weights: str | None) -> tuple[torch.nn.Module, str]:
    if weights:
        from animegan.weights import released
        from animegan.weights.io import load_weights

        return load_weights(released.resolve(weights)), weights
    torch.manual_seed(0)
    return GeneratorV2(), "random (seeded, fabricated)"


def pan_zoom_clip(path: Path, size: tuple[int, int], frames: int, fps: int = 24) -> list[np.ndarray]:
    """Write a pan/zoom clip over scikit-image's astronaut (with a sound track); its decoded frames."""
    from skimage import data

    source = pan_zoom(data.astronaut(), size, frames)
    make_test_video(path, frames=frames, fps=fps, size=size, source=source)
    return list(read_frames(path))


def model_fps(stylizer: Stylizer, frames: list[np.ndarray], batch: int) -> float:
    """Frames per second of ``stylizer.stylize_batch`` over ``frames`` in batches (already warm)."""
    t0 = time.perf_counter()
    for i in range(0, len(frames), batch):
        stylizer.stylize_batch(frames[i : i + batch])
    return len(frames) / (time.perf_counter() - t0)


def bench_speed(net, size: tuple[int, int], frames: int, batch: int, rounds: int) -> dict:
    default = Stylizer(copy.deepcopy(net), device="cpu", precision="auto")
    eager = Stylizer(copy.deepcopy(net), device="cpu", precision="auto", runtime="torch")
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        decoded = pan_zoom_clip(clip, size, frames)
        for stylizer in (default, eager):  # warm-up (the default builds its runtime here)
            stylizer.stylize_batch(decoded[:batch])
            stylizer.stylize_batch(decoded[:batch])

        def end_to_end() -> float:
            t0 = time.perf_counter()
            stylize_video(clip, Path(tmp) / "out.mp4", default.stylize_batch, batch, show_progress=False)
            return frames / (time.perf_counter() - t0)

        fps: dict[str, list[float]] = {"model_default": [], "model_torch_eager": [], "end_to_end": []}
        for number in range(rounds):
            fps["model_torch_eager"].append(model_fps(eager, decoded, batch))
            # model-only and end to end back to back, in alternating order: this shared machine's speed drifts
            # over minutes, so their ratio is taken per round (median below), not from medians minutes apart
            pair = [("model_default", lambda: model_fps(default, decoded, batch)), ("end_to_end", end_to_end)]
            for name, measure in pair if number % 2 == 0 else pair[::-1]:
                fps[name].append(measure())
        breakdown = video_breakdown.measure(default, clip, batch, rounds)
    med = {name: float(np.median(v)) for name, v in fps.items()}
    ratios = [e2e / model for e2e, model in zip(fps["end_to_end"], fps["model_default"], strict=True)]
    result = {
        "clip": f"{size[0]}x{size[1]} pan/zoom, {frames} frames, H.264 + AAC",
        "runs_on": default.describe(),
        "model_only_fps": med["model_default"],
        "model_only_fps_torch_eager": med["model_torch_eager"],
        "model_speedup_vs_torch_eager": med["model_default"] / med["model_torch_eager"],
        "end_to_end_fps": med["end_to_end"],
        "end_to_end_over_model_speedup": float(np.median(ratios)),  # per-round pairs; 1.0: overlap is perfect
        "end_to_end_over_model_rounds": ratios,
        "rounds": rounds,
        "breakdown": breakdown,
    }
    print(
        f"  video {result['clip']} [{result['runs_on']}]: model-only {result['model_only_fps']:.3f} fps "
        f"(torch eager {result['model_only_fps_torch_eager']:.3f} fps, x{result['model_speedup_vs_torch_eager']:.2f}), "
        f"end to end {result['end_to_end_fps']:.3f} fps ({100 * result['end_to_end_over_model_speedup']:.0f}% "
        "of model-only, median of rounds "
        f"{', '.join(f'{100 * r:.0f}%' for r in ratios)})",
        flush=True,
    )
    return result


def smoothed(frames: list[np.ndarray], plain: list[np.ndarray]) -> list[np.ndarray]:
    smoother = TemporalSmoother()
    return [smoother(f, o) for f, o in zip(frames, plain, strict=True)]


def bench_temporal(net, size: tuple[int, int], frames: int) -> dict:
    stylizer = Stylizer(copy.deepcopy(net), device="cpu", precision="auto")
    with tempfile.TemporaryDirectory() as tmp:
        moving = pan_zoom_clip(Path(tmp) / "pan.mp4", size, frames)
        static = list(
            read_frames(make_test_video(Path(tmp) / "s.mp4", 16, 10, (128, 96), static=True, noise=8.0))
        )
    plain = [out for i in range(0, frames, 4) for out in stylizer.stylize_batch(moving[i : i + 4])]
    temporal = smoothed(moving, plain)
    plain_error, temporal_error = warping_error(moving, plain), warping_error(moving, temporal)
    static_plain = stylizer.stylize_batch(static)
    result = {
        "clip": f"{size[0]}x{size[1]} pan/zoom, {frames} frames",
        "warping_error_input": warping_error(moving, moving),
        "warping_error_plain": plain_error,
        "warping_error_temporal": temporal_error,
        "warping_error_plain_over_temporal_speedup": plain_error / temporal_error,
        "warping_error_squared_plain": warping_error(moving, plain, squared=True),
        "warping_error_squared_temporal": warping_error(moving, temporal, squared=True),
        "mean_abs_change_by_temporal": float(
            np.mean(
                [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(temporal, plain, strict=True)]
            )
        ),
        "static_noisy_flicker_plain": flicker(static_plain),
        "static_noisy_flicker_temporal": flicker(smoothed(static, static_plain)),
    }
    print(
        f"  warping error, {result['clip']} (0..255; input itself {result['warping_error_input']:.2f}): plain "
        f"{plain_error:.2f}, --temporal {temporal_error:.2f} (x{plain_error / temporal_error:.2f} lower; "
        f"Lai's squared form {result['warping_error_squared_plain']:.5f} -> "
        f"{result['warping_error_squared_temporal']:.5f}); --temporal moves pixels by "
        f"{result['mean_abs_change_by_temporal']:.2f} on average; static noisy clip flicker "
        f"{result['static_noisy_flicker_plain']:.2f} -> {result['static_noisy_flicker_temporal']:.2f}",
        flush=True,
    )
    return result


def size_arg(text: str) -> tuple[int, int]:
    width, height = (int(side) for side in text.lower().split("x"))
    return width, height


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--weights", help="generator weights (default: random, seeded)")
    parser.add_argument("--size", type=size_arg, default=(1920, 1080), help="speed clip WxH")
    parser.add_argument("--frames", type=int, default=8, help="frames of the speed clip")
    parser.add_argument("--batch", type=int, default=4, help="frames per inference batch")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds (medians)")
    parser.add_argument("--temporal-size", type=size_arg, default=(480, 270), help="warping-error clip WxH")
    parser.add_argument("--temporal-frames", type=int, default=24)
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    net, label = generator(args.weights)
    net = net.eval()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; weights: {label}", flush=True)
    report = {"weights": label, "threads": torch.get_num_threads()}
    report["speed"] = bench_speed(net, args.size, args.frames, args.batch, args.rounds)
    report["temporal"] = bench_temporal(net, args.temporal_size, args.temporal_frames)
    emit_json(report, args.json)


if __name__ == "__main__":
    main()
