"""Benchmark ``animegan prepare``: the reference ``edge_smooth.py`` against the real command, end to end, same run.

Baseline: the reference script's whole path per image (cv2.imread colour and grayscale, cv2.resize, the per-pixel
Gaussian loop, cv2.imwrite), one process, as it runs. Fast path: ``animegan prepare STYLE --size N --force``
in a child process, timed on N and 2N images so that the process start-up (interpreter, imports) cancels out:
per image = (t(2N) - t(N)) / N. Each is measured for PNG and for JPEG style images (cartoon-filtered crops of
scikit-image photos: anime-like dense edges), rounds of baseline and fast path alternated, medians reported.
Pixels: every file of ``smooth/`` against the reference's output (share identical, largest difference).

    python benchmarks/bench_prepare.py [--images 64] [--size 256] [--rounds 3] [--workers 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from report import emit_json

from animegan.data.demo.cartoon import cartoonize
from animegan.data.prepare.smoothing import edge_smooth

FORMATS = (".png", ".jpg")


def reference_smooth(bgr: np.ndarray, gray: np.ndarray, size: int) -> np.ndarray:
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


def reference_script(sources: list[Path], out_dir: Path, size: int) -> float:
    """Seconds for the reference's whole path over ``sources`` (reads, loop, cv2.imwrite under the same name)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for source in sources:
        bgr = cv2.imread(str(source))
        gray = cv2.imread(str(source), cv2.IMREAD_GRAYSCALE)
        cv2.imwrite(str(out_dir / source.name), reference_smooth(bgr, gray, size))
    return time.perf_counter() - start


def style_images(count: int, size: int, seed: int) -> list[np.ndarray]:
    """Cartoon-filtered crops of scikit-image's photos (dense edges like anime frames), RGB uint8."""
    from skimage import data

    rng = np.random.default_rng(seed)
    sources = [data.astronaut(), data.coffee(), data.rocket(), data.chelsea()]
    images = []
    for i in range(count):
        src = sources[i % len(sources)]
        side = min(src.shape[:2])
        top = int(rng.integers(0, src.shape[0] - side + 1))
        left = int(rng.integers(0, src.shape[1] - side + 1))
        crop = cv2.resize(
            src[top : top + side, left : left + side], (size, size), interpolation=cv2.INTER_AREA
        )
        images.append(cartoonize(crop, rng))
    return images


def write_style_set(root: Path, images: list[np.ndarray], suffix: str, copies: int) -> list[Path]:
    """``root/style/`` holding ``copies`` x the images as ``suffix`` files (JPEG at quality 90, as saved frames)."""
    style = root / "style"
    style.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(len(images) * copies):
        path = style / f"{i:04d}{suffix}"
        params = [cv2.IMWRITE_JPEG_QUALITY, 90] if suffix == ".jpg" else []
        cv2.imwrite(str(path), images[i % len(images)][..., ::-1], params)
        paths.append(path)
    return paths


def command_seconds(root: Path, size: int, workers: int) -> float:
    """Wall time of ``animegan prepare root --size N --force`` in a fresh process (start-up included)."""
    argv = [sys.executable, "-m", "animegan", "prepare", str(root), "--size", str(size), "--force", "--quiet"]
    start = time.perf_counter()
    done = subprocess.run([*argv, "--workers", str(workers)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"animegan prepare failed: {done.stderr.strip()[-500:]}")
    return time.perf_counter() - start


def pixel_agreement(ours: Path, reference: Path) -> tuple[float, int]:
    """(share of identical pixel values, largest difference) over every file of the reference folder."""
    same, total, worst = 0, 0, 0
    for ref_path in sorted(reference.iterdir()):
        a = cv2.imread(str(ours / ref_path.name)).astype(np.int16)
        b = cv2.imread(str(ref_path)).astype(np.int16)
        same, total = same + int((a == b).sum()), total + a.size
        worst = max(worst, int(np.abs(a - b).max()))
    return same / total, worst


def bench_format(
    images, suffix: str, size: int, rounds: int, workers: int, tmp: Path, loop_images: int
) -> dict:
    n = len(images)
    one, two = tmp / f"one{suffix}" / "S", tmp / f"two{suffix}" / "S"
    sources = write_style_set(one, images, suffix, 1)
    write_style_set(two, images, suffix, 2)
    reference_s, ours_s = [], []
    for _ in range(rounds):  # alternated: baseline, then the command on N and 2N images
        subset = sources[:loop_images] if reference_s else sources  # all once (for the pixels), then a subset
        reference_s.append(reference_script(subset, tmp / f"reference{suffix}", size) / len(subset))
        t_one, t_two = command_seconds(one, size, workers), command_seconds(two, size, workers)
        ours_s.append(max(t_two - t_one, 1e-9) / n)
    identical, worst = pixel_agreement(one / "smooth", tmp / f"reference{suffix}")
    reference_med, ours_med = float(np.median(reference_s)), float(np.median(ours_s))
    row = {
        "format": suffix[1:],
        "reference_s_per_image": reference_med,
        "prepare_s_per_image": ours_med,
        "speedup": reference_med / ours_med,
        "identical_share": identical,
        "max_difference": worst,
        "rounds": {"reference": reference_s, "prepare": ours_s},
    }
    print(
        f"  {suffix[1:]:>4}: reference {1000 * reference_med:7.1f} ms/img, animegan prepare "
        f"{1000 * ours_med:6.2f} ms/img end to end  x{row['speedup']:6.0f}   pixels "
        f"{100 * identical:.3f}% identical, max difference {worst}",
        flush=True,
    )
    return row


def kernel_only(images: list[np.ndarray], size: int) -> dict:
    """The smoothing alone (no I/O): the loop against the vectorised kernel, on in-memory images."""
    pairs = [(rgb[..., ::-1].copy(), cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)) for rgb in images]
    start = time.perf_counter()
    slow = [reference_smooth(bgr, gray, size) for bgr, gray in pairs]
    slow_s = (time.perf_counter() - start) / len(pairs)
    start = time.perf_counter()
    fast = [edge_smooth(bgr, gray, size) for bgr, gray in pairs]
    fast_s = (time.perf_counter() - start) / len(pairs)
    identical = all(np.array_equal(a, b) for a, b in zip(slow, fast, strict=True))
    return {
        "loop_s": slow_s,
        "vectorised_s": fast_s,
        "kernel_speedup": slow_s / fast_s,
        "identical": identical,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=64, help="N: style images per set (2N for the second)")
    parser.add_argument("--loop-images", type=int, default=8, help="images the reference loop is timed on")
    parser.add_argument("--size", type=int, default=256, help="side of the style images and of --size")
    parser.add_argument("--rounds", type=int, default=3, help="alternated rounds (medians reported)")
    parser.add_argument("--workers", type=int, default=2, help="--workers of animegan prepare")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    images = style_images(args.images, args.size, seed=0)
    print(f"{args.images} / {2 * args.images} style images of {args.size}x{args.size}, {args.rounds} rounds")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            bench_format(images, s, args.size, args.rounds, args.workers, Path(tmp), args.loop_images)
            for s in FORMATS
        ]
    kernel = kernel_only(images[: min(4, len(images))], args.size)
    print(
        f"  kernel alone: loop {1000 * kernel['loop_s']:.1f} ms, vectorised {1000 * kernel['vectorised_s']:.2f} ms"
        f" (x{kernel['kernel_speedup']:.0f}, identical {kernel['identical']})"
    )
    record = {
        "images": args.images,
        "size": args.size,
        "workers": args.workers,
        "formats": rows,
        "kernel": kernel,
        "machine": f"{platform.processor() or platform.machine()}, python {platform.python_version()}",
    }
    emit_json(record, args.json)


if __name__ == "__main__":
    main()
