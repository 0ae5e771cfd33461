"""Benchmark edge smoothing: the reference per-pixel loop vs the vectorised path, same images, same run.

Prints a table, a JSON line and the speed-up; also checks that both give identical pixels and measures the
whole ``prepare`` (decode, smooth, write) with 1 and N worker processes.
Usage: python benchmarks/bench_prepare.py [--images 8] [--size 256] [--repeat 5] [--workers 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from report import emit_json

from animegan.data.cartoon import cartoonize
from animegan.data.prepare import prepare_style_dir
from animegan.data.smoothing import edge_smooth
from animegan.imageio import write_image


def reference_loop(bgr: np.ndarray, gray: np.ndarray, size: int) -> np.ndarray:
    """The reference ``edge_smooth.py`` (CartoonGAN/AnimeGAN): one Python iteration per dilated edge pixel."""
    kernel_size = 5
    kernel = np.ones((kernel_size, kernel_size), np.uint8)
    gauss = cv2.getGaussianKernel(kernel_size, 0)
    gauss = gauss * gauss.transpose(1, 0)
    bgr_img = cv2.resize(bgr, (size, size))
    pad_img = np.pad(bgr_img, ((2, 2), (2, 2), (0, 0)), mode="reflect")
    gray_img = cv2.resize(gray, (size, size))
    dilation = cv2.dilate(cv2.Canny(gray_img, 100, 200), kernel)
    gauss_img = np.copy(bgr_img)
    idx = np.where(dilation != 0)
    for i in range(np.sum(dilation != 0)):
        for c in range(3):
            gauss_img[idx[0][i], idx[1][i], c] = np.sum(
                np.multiply(
                    pad_img[idx[0][i] : idx[0][i] + kernel_size, idx[1][i] : idx[1][i] + kernel_size, c],
                    gauss,
                )
            )
    return gauss_img


def style_images(count: int, size: int, seed: int) -> list[np.ndarray]:
    """Cartoon-filtered crops of scikit-image's photos (dense edges like anime frames), RGB uint8."""
    from skimage import data

    rng = np.random.default_rng(seed)
    sources = [data.astronaut(), data.coffee(), data.rocket(), data.chelsea()]
    images = []
    for i in range(count):
        src = sources[i % len(sources)]
        side = min(src.shape[:2])
        top, left = (
            int(rng.integers(0, src.shape[0] - side + 1)),
            int(rng.integers(0, src.shape[1] - side + 1)),
        )
        crop = cv2.resize(
            src[top : top + side, left : left + side], (size, size), interpolation=cv2.INTER_AREA
        )
        images.append(cartoonize(crop, rng))
    return images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5, help="passes of the fast path (timed together)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    cv2.setNumThreads(1)

    rgbs = style_images(args.images, args.size, seed=0)
    pairs = [(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)) for rgb in rgbs]
    edge_fraction = float(
        np.mean(
            [
                (reference_input != 0).mean()
                for reference_input in [
                    cv2.dilate(cv2.Canny(g, 100, 200), np.ones((5, 5), np.uint8)) for _, g in pairs
                ]
            ]
        )
    )

    start = time.perf_counter()
    slow = [reference_loop(bgr, gray, args.size) for bgr, gray in pairs]
    slow_s = time.perf_counter() - start

    start = time.perf_counter()
    for _ in range(args.repeat):
        fast = [edge_smooth(bgr, gray, args.size) for bgr, gray in pairs]
    fast_s = (time.perf_counter() - start) / args.repeat
    identical = all(np.array_equal(a, b) for a, b in zip(slow, fast, strict=True))

    prepare_rates, pool_start_s = {}, None
    with tempfile.TemporaryDirectory() as tmp:
        count = len(rgbs) * 4
        for i, rgb in enumerate(rgbs * 4):
            write_image(Path(tmp) / "S" / "style" / f"{i:03d}.png", rgb)
        for workers in sorted({1, args.workers}):
            if workers > 1:  # the first pool starts the fork server (imports the package once): timed apart
                start = time.perf_counter()
                prepare_style_dir(Path(tmp) / "S", size=args.size, workers=workers, force=True, quiet=True)
                pool_start_s = time.perf_counter() - start - count / prepare_rates[1] / workers
            start = time.perf_counter()
            prepare_style_dir(Path(tmp) / "S", size=args.size, workers=workers, force=True, quiet=True)
            prepare_rates[workers] = count / (time.perf_counter() - start)

    n = len(pairs)
    result = {
        "images": n,
        "size": args.size,
        "edge_pixel_fraction": round(edge_fraction, 4),
        "reference_loop_img_per_s": n / slow_s,
        "vectorised_img_per_s": n / fast_s,
        "speedup": slow_s / fast_s,
        "identical_pixels": identical,
        "prepare_img_per_s_by_workers": prepare_rates,
        "prepare_first_pool_start_s_approx": pool_start_s,
        "machine": f"{platform.processor() or platform.machine()}, python {platform.python_version()}",
    }
    print(f"{'path':<34}{'images/s':>12}{'ms/image':>12}")
    print(f"{'reference per-pixel loop':<34}{n / slow_s:>12.2f}{1000 * slow_s / n:>12.1f}")
    print(f"{'vectorised edge_smooth':<34}{n / fast_s:>12.1f}{1000 * fast_s / n:>12.2f}")
    for workers, rate in prepare_rates.items():
        print(f"{f'prepare end to end, {workers} worker(s)':<34}{rate:>12.1f}{1000 / rate:>12.2f}")
    if pool_start_s is not None:
        print(f"(first process pool of the run: about {pool_start_s:.1f} s extra to start the fork server)")
    print(f"speed-up (smoothing): {slow_s / fast_s:.0f}x   identical pixels: {identical}")
    emit_json(result, args.json)


if __name__ == "__main__":
    main()
