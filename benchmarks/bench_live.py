"""Benchmark the webcam loop: webcam frames stylized as they come (full size, fp32 NCHW: what a naive loop does)
against the UI's live path (downscaled to the live side, the device's fastest precision), timed interleaved.

    python benchmarks/bench_live.py [--frames 20] [--camera 640x480] [--side 384] [--device auto] [--json out.json]

Random (seeded) generator weights: speed does not depend on the values.
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import torch
from report import emit_json

from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV2
from animegan.ui.engine import Limits
from animegan.ui.live import LiveLoop


def camera_frames(width: int, height: int, count: int) -> list[np.ndarray]:
    """A moving real photo at the camera's size (frames differ, as a webcam's do)."""
    import cv2
    from skimage import data

    photo = cv2.resize(data.astronaut(), (width + count * 4, height), interpolation=cv2.INTER_AREA)
    return [np.ascontiguousarray(photo[:, i * 4 : i * 4 + width]) for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--camera", default="640x480", help="webcam frame size WxH")
    parser.add_argument("--side", type=int, default=Limits.live_max_side, help="live side (the UI's default)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    width, height = map(int, args.camera.split("x"))
    torch.manual_seed(0)
    generator = GeneratorV2()
    paths = {
        "naive": (Stylizer(generator, device=args.device, precision="fp32"), None),
        "live": (Stylizer(copy.deepcopy(generator), device=args.device, precision="auto"), args.side),
    }
    frames = camera_frames(width, height, args.frames)
    loops = {name: LiveLoop(side or max(width, height)) for name, (_, side) in paths.items()}
    for name, (stylizer, _) in paths.items():  # warm-up
        loops[name].step(frames[0], stylizer, stylizer.precision)
    seconds = {name: 0.0 for name in paths}
    for frame in frames:
        for name, (stylizer, _) in paths.items():
            start = time.perf_counter()
            out, line = loops[name].step(frame, stylizer, stylizer.precision)
            seconds[name] += time.perf_counter() - start
    fps = {name: len(frames) / s for name, s in seconds.items()}
    live = paths["live"][0]
    results = {
        "camera": args.camera,
        "device": str(live.device),
        "naive": {"size": f"{width}x{height}", "precision": "fp32", "fps": fps["naive"]},
        "live": {"size": f"{out.shape[1]}x{out.shape[0]}", "precision": live.precision, "fps": fps["live"]},
        "live_speedup": fps["live"] / fps["naive"],
    }
    print(
        f"naive {fps['naive']:.2f} fps at {width}x{height} fp32; live {fps['live']:.2f} fps at "
        f"{out.shape[1]}x{out.shape[0]} {live.precision}: {results['live_speedup']:.2f}x"
    )
    emit_json(results, args.json)


if __name__ == "__main__":
    main()
