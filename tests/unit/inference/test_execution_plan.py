"""The execution plan: decided once from the user's choices (CPU and a simulated GPU), and followed exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers.stylize_reference import reference_stylize

from animegan.cli import build_parser
from animegan.cli.stylize import options_from
from animegan.errors import AnimeGANError
from animegan.inference.options import (
    OPENVINO_BREAK_EVEN_PIXELS,
    OPENVINO_MIN_IMAGE_PIXELS,
    TILE_OVERLAP,
    TILE_STATS_SIDE,
    StylizeOptions,
)
from animegan.inference.runtimes import int8, openvino_runtime, precision
from animegan.inference.runtimes.execution_plan import (
    RUNTIME_ENV,
    ExecutionPlan,
    make_plan,
)
from animegan.inference.runtimes.precision import ExecutionPath
from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV2

CPU, CUDA = torch.device("cpu"), torch.device("cuda")
SMALL, LARGE = 256 * 256, 1920 * 1080  # per frame: below and above OPENVINO_MIN_IMAGE_PIXELS


@pytest.fixture(scope="module")
def generator() -> GeneratorV2:
    torch.manual_seed(7)
    return GeneratorV2().eval()


@pytest.fixture
def cpu(monkeypatch):
    """A CPU with bf16, OpenVINO and NNCF; fast paths keep 50 dB against fp32 (no calibration run)."""

    def with_bf16(has: bool = True, db: float = 50.0) -> None:
        monkeypatch.setattr(precision, "cpu_has_bf16", lambda: has)
        monkeypatch.setattr(openvino_runtime, "cpu_has_bf16", lambda: has)
        monkeypatch.setattr(openvino_runtime, "available", lambda: True)
        monkeypatch.setattr(int8, "available", lambda: True)
        monkeypatch.setattr(precision, "calibrated_psnr", lambda generator, path, device: db)

    with_bf16()
    return with_bf16


@pytest.fixture
def gpu(monkeypatch):
    """A simulated CUDA GPU with 8 GiB free; fast paths keep 50 dB against fp32."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (8 << 30, 16 << 30))
    monkeypatch.setattr(precision, "calibrated_psnr", lambda generator, path, device: 50.0)


def expected_tile(free: int, overlap: int, bytes_per_pixel: int) -> int:
    """``--tile auto`` written out: the largest multiple of 4 whose window uses at most 60 % of ``free``."""
    window = math.isqrt(int(0.6 * free / bytes_per_pixel))
    return min(4096, max(64, (window - 2 * overlap) // 4 * 4))


@pytest.mark.parametrize(
    ("asked", "has_bf16", "db", "path", "openvino"),
    [
        ("auto", True, 50.0, ExecutionPath("bf16", True), ("bf16", "fp32")),
        ("auto", True, 20.0, ExecutionPath("fp32", True), ("fp32",)),  # bf16 loses too much: fp32
        ("auto", False, 50.0, ExecutionPath("fp32", True), ("fp32",)),
        ("fp32", True, 50.0, ExecutionPath("fp32", True), ("fp32",)),
        ("bf16", True, 50.0, ExecutionPath("bf16", True), ("bf16",)),
        ("fp16", True, 50.0, ExecutionPath("fp16", True), ()),  # OpenVINO has no fp16 here: PyTorch only
    ],
)
def test_cpu_plan_for_each_precision(cpu, asked, has_bf16, db, path, openvino):
    cpu(has_bf16, db)
    plan = make_plan(torch.nn.Identity(), "cpu", asked)
    assert plan.device == CPU and plan.path == path and plan.openvino_precisions == openvino
    assert plan.runtime == ("auto" if openvino else "torch")
    assert plan.tile is None and not plan.compile


def test_cpu_auto_runtime_switches_for_large_images_once_it_pays(cpu):
    plan = make_plan(torch.nn.Identity(), "cpu")
    assert (plan.break_even_pixels, plan.min_image_pixels) == (
        OPENVINO_BREAK_EVEN_PIXELS,
        OPENVINO_MIN_IMAGE_PIXELS,
    )
    assert SMALL < OPENVINO_MIN_IMAGE_PIXELS <= LARGE
    assert not plan.openvino_may_run(SMALL) and plan.openvino_may_run(LARGE)
    assert not plan.uses_openvino(SMALL, seen_pixels=10 * OPENVINO_BREAK_EVEN_PIXELS)  # small: always PyTorch
    assert not plan.uses_openvino(LARGE, seen_pixels=0)  # a single photo of any size: PyTorch
    assert not plan.uses_openvino(LARGE, seen_pixels=OPENVINO_BREAK_EVEN_PIXELS - 1)
    assert plan.uses_openvino(LARGE, seen_pixels=OPENVINO_BREAK_EVEN_PIXELS)


@pytest.mark.parametrize("asked", [{"runtime": "openvino"}, {"precision": "int8"}])
def test_openvino_or_int8_asked_for_runs_openvino_from_the_first_image(cpu, asked):
    plan = make_plan(torch.nn.Identity(), "cpu", **asked)
    assert plan.runtime == "openvino" and plan.uses_openvino(SMALL, seen_pixels=0)
    int8_first = ("int8",) if asked.get("precision") == "int8" else ()
    assert plan.openvino_precisions == (*int8_first, "bf16", "fp32")
    assert plan.path == ExecutionPath("bf16", True)  # PyTorch's tiles and fallbacks: the auto path


def test_torch_runtime_compile_and_the_environment_keep_pytorch(cpu, monkeypatch):
    for plan in (
        make_plan(torch.nn.Identity(), "cpu", runtime="torch"),
        make_plan(torch.nn.Identity(), "cpu", compile=True),
    ):
        assert plan.runtime == "torch" and plan.openvino_precisions == ()
        assert not plan.uses_openvino(LARGE, seen_pixels=10 * OPENVINO_BREAK_EVEN_PIXELS)
    monkeypatch.setenv(RUNTIME_ENV, "torch")
    assert make_plan(torch.nn.Identity(), "cpu").runtime == "torch"


def test_without_openvino_auto_is_pytorch_and_openvino_asked_for_is_one_line(cpu, monkeypatch):
    monkeypatch.setattr(openvino_runtime, "available", lambda: False)
    assert make_plan(torch.nn.Identity(), "cpu").runtime == "torch"
    with pytest.raises(AnimeGANError, match="--runtime openvino needs OpenVINO, which is not installed"):
        make_plan(torch.nn.Identity(), "cpu", runtime="openvino")
    with pytest.raises(AnimeGANError, match="int8 runs on OpenVINO; drop --runtime torch and --compile"):
        make_plan(torch.nn.Identity(), "cpu", "int8", compile=True)


@pytest.mark.parametrize(
    ("asked", "path", "bytes_per_pixel"),
    [
        ("auto", ExecutionPath("fp16", True), 1024),
        ("bf16", ExecutionPath("bf16", True), 1024),
        ("fp32", ExecutionPath("fp32", False), 2048),
    ],
)
def test_gpu_plan_is_pytorch_with_tiles_from_free_memory(gpu, asked, path, bytes_per_pixel):
    plan = make_plan(torch.nn.Identity(), "auto", asked, tile="auto", tile_overlap=32)
    assert plan.device == CUDA and plan.path == path
    assert plan.runtime == "torch" and not plan.uses_openvino(
        LARGE, seen_pixels=10 * OPENVINO_BREAK_EVEN_PIXELS
    )
    assert plan.tile == expected_tile(8 << 30, 32, bytes_per_pixel)
    assert make_plan(torch.nn.Identity(), "cuda", asked, tile=300).tile == 300


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"precision": "int8"}, "--precision int8 runs on the CPU, not on cuda"),
        ({"runtime": "openvino"}, "--runtime openvino runs on the CPU, not on cuda; use --runtime torch"),
    ],
)
def test_gpu_refuses_openvino_and_int8_in_one_line(gpu, asked, message):
    with pytest.raises(AnimeGANError, match=message):
        make_plan(torch.nn.Identity(), "cuda", **asked)


def test_the_plan_prints_on_one_line(cpu):
    text = str(make_plan(torch.nn.Identity(), "cpu", tile=512, tile_overlap=16))
    assert "\n" not in text
    for part in (
        "device cpu",
        "torch bf16 channels_last",
        "runtime auto",
        "bf16>fp32",
        "tiles 512 (overlap 16, statistics pass 512+ px)",
        f"once {OPENVINO_BREAK_EVEN_PIXELS} pixels have run, images of {OPENVINO_MIN_IMAGE_PIXELS}+ pixels",
    ):
        assert part in text


# ---- the thresholds measured on one CPU: one constant each, overridable down to the plan -------------------
def test_the_thresholds_default_to_their_single_constant():
    options = StylizeOptions()
    assert options.openvino_min_pixels == OPENVINO_MIN_IMAGE_PIXELS
    assert options.openvino_break_even_pixels == OPENVINO_BREAK_EVEN_PIXELS
    assert (options.tile_overlap, options.tile_stats_side) == (TILE_OVERLAP, TILE_STATS_SIDE)
    plan = ExecutionPlan(CPU, ExecutionPath("fp32", True))
    assert (plan.tile_overlap, plan.tile_stats_side) == (TILE_OVERLAP, TILE_STATS_SIDE)


TINY_ON_OPENVINO = ["--openvino-min-pixels", "0", "--openvino-break-even-pixels", "0"]


@pytest.mark.parametrize(
    ("flags", "on_openvino"),
    [
        ([], False),  # the defaults: a tiny single image runs on PyTorch
        (TINY_ON_OPENVINO, True),
        (["--openvino-min-pixels", "0"], False),  # the break-even point still holds the first image back
        (["--openvino-break-even-pixels", "0"], False),  # and the least image size a tiny one
        (["--runtime", "torch", *TINY_ON_OPENVINO], False),  # the thresholds only matter to --runtime auto
    ],
)
def test_threshold_flags_reach_the_plan_and_decide_the_runtime(
    cpu, generator, monkeypatch, flags, on_openvino
):
    built = []
    monkeypatch.setattr(openvino_runtime, "build", lambda gen, precisions: built.append(precisions) or gen)
    args = build_parser().parse_args(["stylize", "in.png", "-o", "out", "--tile-stats-side", "96", *flags])
    options = options_from(args)
    stylizer = Stylizer(generator, device="cpu", runtime=options.runtime, **options.plan_args())
    asked = dict(zip(flags[::2], flags[1::2], strict=True))
    auto = "--runtime" not in asked
    expected_min = int(asked.get("--openvino-min-pixels", OPENVINO_MIN_IMAGE_PIXELS)) if auto else 0
    expected_break_even = (
        int(asked.get("--openvino-break-even-pixels", OPENVINO_BREAK_EVEN_PIXELS)) if auto else 0
    )
    plan = stylizer.plan
    assert (plan.min_image_pixels, plan.break_even_pixels, plan.tile_stats_side) == (
        expected_min,
        expected_break_even,
        96,
    )
    if auto:  # --verbose shows the thresholds in effect
        assert f"once {expected_break_even} pixels have run, images of {expected_min}+ pixels" in str(plan)
    stylizer(np.zeros((16, 24, 3), np.uint8))
    assert (built == [("bf16", "fp32")]) == on_openvino and len(built) <= 1


# ---- the Stylizer follows the plan, whatever else it is told ------------------------------------------------
def test_a_plan_forcing_fp32_gives_the_fp32_output_exactly(generator, rng):
    rgb = rng.integers(0, 256, (36, 52, 3), dtype=np.uint8)
    plan = ExecutionPlan(CPU, ExecutionPath("fp32", True))
    forced = Stylizer(generator, device="cpu", precision="bf16", runtime="openvino", plan=plan)
    out = forced(rgb)
    assert forced.describe() == "torch fp32 channels_last" and not forced.runtime.built
    assert np.array_equal(out, Stylizer(generator, device="cpu", precision="fp32", runtime="torch")(rgb))
    assert np.abs(out.astype(int) - reference_stylize(generator, rgb).astype(int)).max() <= 1


def test_a_bf16_plan_runs_bf16_and_a_tiled_plan_runs_tiles(generator, rng):
    rgb = rng.integers(0, 256, (72, 80, 3), dtype=np.uint8)
    bf16 = Stylizer(
        generator, device="cpu", precision="fp32", plan=ExecutionPlan(CPU, ExecutionPath("bf16", True))
    )
    fp32 = Stylizer(generator, device="cpu", precision="fp32", runtime="torch")
    asked_bf16 = Stylizer(generator, device="cpu", precision="bf16", runtime="torch")
    assert np.array_equal(bf16(rgb), asked_bf16(rgb)) and not np.array_equal(bf16(rgb), fp32(rgb))
    tiled_plan = ExecutionPlan(CPU, ExecutionPath("fp32", True), tile=32, tile_overlap=8)
    tiled = Stylizer(generator, device="cpu", precision="fp32", runtime="torch", tile=32, tile_overlap=8)
    assert np.array_equal(Stylizer(generator, plan=tiled_plan)(rgb), tiled(rgb))
    assert not np.array_equal(tiled(rgb), fp32(rgb))  # the tiles are used (statistics per tile differ)
