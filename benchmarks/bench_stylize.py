"""Benchmark stylization of photos against the peer, the PyTorch port of AnimeGANv2 (fp32, eager, NCHW).

At each size, warm and interleaved (medians; these machines are shared and noisy): the port's own module layout
(``port_model.py``), the default ``Stylizer`` (``--precision auto``: OpenVINO bf16 on a CPU with bf16 once it
pays), PyTorch eager bf16 (the default before OpenVINO), the opt-in ``--precision int8`` (NNCF) and, with
``--compile``, ``torch.compile``. For each: the
seconds per image, the ratio to the port, the PSNR against the port's fp32 output, the achieved GFLOP/s (the
generator's FLOPs counted from its layers by ``torch.utils.flop_counter``) and its share of this machine's fp32
and bf16 matrix peaks (large matrix products measured in the same run). Then a single photo end to end, process start
to file written, default against ``--runtime torch`` (``end_to_end.py``), and the peak RSS of
``animegan stylize --tile`` on a 3840x2160 photo (``peak_memory.py``). Video: ``bench_video.py``.

    python benchmarks/bench_stylize.py [--weights W] [--sizes 256,512,1080p] [--e2e-sizes 256,512,1024,1448]

Without --weights the generator has random weights (seeded, labelled "random"): speed does not depend on the
values; PSNR does a little, so pass real v2 weights to check the bound for them.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import end_to_end
import int8_setup
import layer_profile
import numpy as np
import peak_memory
import torch
import torch.nn.functional as F
from port_model import PortGenerator, PortStylizer
from report import emit_json

from animegan.device import cpu_has_bf16
from animegan.inference.runtimes import int8
from animegan.inference.runtimes.precision import psnr
from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV2

SIZES = {"256": (256, 256), "512": (512, 512), "1080p": (1080, 1920)}


def photo(h: int, w: int) -> np.ndarray:
    from skimage import data
    from skimage.transform import resize

    return (resize(data.astronaut(), (h, w), anti_aliasing=True) * 255).round().astype(np.uint8)


def v2_state(weights: str | None) -> tuple[dict[str, torch.Tensor], str]:
    """A v2 generator state dict (the port's key layout) and its label."""
    if weights:
        from animegan.weights import released
        from animegan.weights.io import load_weights

        return load_weights(released.resolve(weights)).state_dict(), weights
    torch.manual_seed(0)
    return GeneratorV2().state_dict(), "random (seeded, fabricated)"


def matrix_peak_gflops(dtype: torch.dtype, n: int, seconds: float) -> float:
    """Best GFLOP/s over about ``seconds`` of large matrix products in ``dtype``: an n x n x n ``torch.mm`` and
    an n x n x 4096 product as a 1x1 convolution (oneDNN; fp32 ``mm`` goes through a BLAS that may not use all
    of an AMD CPU's vector width): the machine's matrix peak as PyTorch's kernels reach it."""
    side = 64  # n channels over 64 x 64 pixels
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    x = torch.randn(1, n, side, side).to(dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randn(n, n, 1, 1).to(dtype).contiguous(memory_format=torch.channels_last)
    products = [(lambda: torch.mm(a, b), 2 * n**3), (lambda: F.conv2d(x, w), 2 * n * n * side * side)]
    best = 0.0
    for product, flop in products:
        product()  # warm-up
        start = time.perf_counter()
        while time.perf_counter() - start < seconds / len(products):
            t0 = time.perf_counter()
            product()
            best = max(best, flop / (time.perf_counter() - t0) / 1e9)
    return best


def generator_gflop(h: int, w: int) -> float:
    """FLOPs (2 x multiply-accumulates) of one v2 forward at h x w, counted from its layers."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        PortGenerator().eval()(torch.zeros(1, 3, h, w))
    return counter.get_total_flops() / 1e9


def contenders(state: dict, with_compile: bool, with_int8: bool) -> dict:
    """Label -> callable(rgb) -> rgb; the port first (the baseline), the default path second."""

    def ours(**kwargs) -> Stylizer:
        generator = GeneratorV2()
        generator.load_state_dict(state)
        return Stylizer(generator, device="cpu", **kwargs)

    paths = {"port fp32 eager NCHW": PortStylizer(state), "default (auto)": ours(precision="auto")}
    paths["torch eager auto (before)"] = ours(precision="auto", runtime="torch")
    if with_int8:
        paths["int8 (opt-in)"] = ours(precision="int8")
    if with_compile:
        paths["torch.compile auto"] = ours(precision="auto", compile=True)
    return paths


def time_interleaved(paths: dict, image: np.ndarray, min_seconds: float, max_reps: int) -> dict:
    """Median seconds and output per path, timed round-robin after warm-up calls (at least two; the default
    path as many as it needs to pass its break-even point and switch runtime)."""
    outputs = {}
    for name, run in paths.items():
        plan = getattr(run, "plan", None)  # a Stylizer's ExecutionPlan
        threshold = plan.break_even_pixels if plan is not None and plan.runtime != "torch" else 0
        for _ in range(max(2, 1 + -(-threshold // image[..., 0].size))):
            outputs[name] = run(image)
    times: dict[str, list[float]] = {name: [] for name in paths}
    start = time.perf_counter()
    while True:
        for name, run in paths.items():
            t0 = time.perf_counter()
            run(image)
            times[name].append(time.perf_counter() - t0)
        reps = len(times[name])
        if reps >= max_reps or (time.perf_counter() - start >= min_seconds and reps >= 3):
            break
    return {name: (float(np.median(t)), outputs[name]) for name, t in times.items()}


def bench_images(state, sizes, min_seconds, with_compile, with_int8, peaks) -> list[dict]:
    rows = []
    for size_name in sizes:
        h, w = SIZES.get(size_name) or (int(size_name), int(size_name))
        gflop = generator_gflop(h, w)
        paths = contenders(state, with_compile, with_int8)
        results = time_interleaved(paths, photo(h, w), min_seconds, max_reps=10 if h * w <= 512 * 512 else 3)
        port_seconds, port_out = next(iter(results.values()))
        for label, (seconds, out) in results.items():
            runs = getattr(paths[label], "describe", lambda: "torch fp32 NCHW (port layout)")()
            row = {
                "size": f"{w}x{h}",
                "path": label,
                "runs_on": runs,
                "seconds": seconds,
                "speedup_vs_port": port_seconds / seconds,
                "psnr_vs_fp32_db": psnr(out, port_out),
                "gflop_per_image": gflop,
                "gflops": gflop / seconds,
                "share_of_bf16_peak": gflop / seconds / peaks["bf16"] if peaks["bf16"] else None,
                "share_of_fp32_peak": gflop / seconds / peaks["fp32"],
            }
            rows.append(row)
            bf16_share = f"{100 * row['share_of_bf16_peak']:4.0f}%" if peaks["bf16"] else "  n/a"
            print(
                f"  {row['size']:>9} {label:<26} {seconds:7.3f} s  x{row['speedup_vs_port']:5.2f}  "
                f"PSNR {row['psnr_vs_fp32_db']:6.1f} dB  {row['gflops']:6.1f} GFLOP/s = "
                f"{100 * row['share_of_fp32_peak']:4.0f}% fp32 / {bf16_share} bf16 peak  [{runs}]",
                flush=True,
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--weights", help="v2 generator weights (default: random, seeded)")
    parser.add_argument("--sizes", default="256,512,1080p", help="256, 512, 1080p or any side N (N x N)")
    parser.add_argument("--compile", action="store_true", help="also measure torch.compile (auto)")
    parser.add_argument("--min-seconds", type=float, default=8.0, help="timing budget per size")
    parser.add_argument("--no-int8", action="store_true", help="skip --precision int8 (NNCF)")
    parser.add_argument(
        "--int8-setup-rounds", type=int, default=3, help="int8 set-up rounds in new processes (0 = skip)"
    )
    parser.add_argument("--profile-size", type=int, default=512, help="per-layer profile side (0 = skip)")
    parser.add_argument("--peak-n", type=int, default=1024, help="matrix side of the peak measurement")
    parser.add_argument("--peak-seconds", type=float, default=3.0, help="time per peak measurement")
    parser.add_argument(
        "--e2e-sizes", default="256,512,1024,1448", help="photo sides of the end-to-end runs ('' = skip)"
    )
    parser.add_argument("--e2e-rounds", type=int, default=3, help="interleaved rounds per size")
    parser.add_argument(
        "--memory",
        default="512",
        help="peak RSS of `animegan stylize` on a photo, one run per comma-separated tile; 0 = untiled; '' = skip",
    )
    parser.add_argument("--memory-size", default="3840x2160", help="photo size of the memory runs (WxH)")
    parser.add_argument("--precision", default="auto", help="precision of the memory runs")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    state, label = v2_state(args.weights)
    peaks = {
        "fp32": matrix_peak_gflops(torch.float32, args.peak_n, args.peak_seconds),
        "bf16": matrix_peak_gflops(torch.bfloat16, args.peak_n, args.peak_seconds) if cpu_has_bf16() else 0.0,
    }
    print(
        f"cpu ({platform.processor() or platform.machine()}), torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, bf16 {cpu_has_bf16()}; weights: {label}; matrix peaks "
        f"{peaks['fp32']:.0f} GFLOP/s fp32, {peaks['bf16']:.0f} GFLOP/s bf16",
        flush=True,
    )
    report: dict = {"threads": torch.get_num_threads(), "weights": label, "peak_gflops": peaks}
    sizes = [s for s in args.sizes.split(",") if s]
    with_int8 = not args.no_int8 and int8.available()
    report["images"] = bench_images(state, sizes, args.min_seconds, args.compile, with_int8, peaks)
    if args.profile_size:
        generator = GeneratorV2()
        generator.load_state_dict(state)
        stylizer = Stylizer(generator, device="cpu", runtime="torch")
        report["layer_profile"] = layer_profile.profile(stylizer, args.profile_size, 3, peaks["bf16"])
    if with_int8 and args.int8_setup_rounds:
        report["int8_setup"] = int8_setup.measure(state, args.int8_setup_rounds)
    if args.e2e_sizes:
        sides = [int(s) for s in args.e2e_sizes.split(",")]
        report["end_to_end"] = end_to_end.measure(sides, state, args.e2e_rounds)
    if args.memory:
        tiles = [int(t) or None for t in args.memory.split(",")]
        size = tuple(int(side) for side in args.memory_size.lower().split("x"))
        report["memory"] = peak_memory.measure(tiles, args.precision, size)
    print(
        "\n| size | path | s/img | x port | PSNR vs fp32 (dB) | GFLOP/s | % bf16 peak |\n|---|---|---|---|---|---|---|"
    )
    for row in report["images"]:
        share = f"{100 * row['share_of_bf16_peak']:.0f} %" if row["share_of_bf16_peak"] else "n/a"
        print(
            f"| {row['size']} | {row['path']} | {row['seconds']:.3f} | {row['speedup_vs_port']:.2f}x | "
            f"{row['psnr_vs_fp32_db']:.1f} | {row['gflops']:.0f} | {share} |"
        )
    emit_json(report, args.json)


if __name__ == "__main__":
    main()
