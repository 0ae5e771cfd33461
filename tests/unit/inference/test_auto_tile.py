"""--tile auto sizing and the out-of-memory retry, on the CPU with a simulated out-of-memory error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from animegan.atomic import atomic_write
from animegan.inference import auto_tile
from animegan.inference.tiling import run_tiled
from animegan.nets import Generator


def test_tile_grows_with_free_memory_and_fits_the_budget() -> None:
    small, large = (auto_tile.tile_for_memory(gib << 30, 32, 2048) for gib in (1, 64))
    assert small < large <= auto_tile.MAX_TILE and small % 4 == 0
    window = small + 64
    assert window * window * 2048 <= auto_tile.FREE_FRACTION * (1 << 30)
    assert auto_tile.tile_for_memory(0, 32, 2048) == auto_tile.MIN_TILE


def test_auto_tile_reads_free_cuda_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (8 << 30, 16 << 30))
    fp32 = auto_tile.auto_tile(torch.device("cuda"), 32, torch.float32)
    fp16 = auto_tile.auto_tile(torch.device("cuda"), 32, torch.float16)
    assert fp32 == auto_tile.tile_for_memory(8 << 30, 32, 2048) and fp16 > fp32
    assert auto_tile.auto_tile(torch.device("cpu"), 32, torch.float32, fallback=777) == 777


def test_oom_retries_with_smaller_tiles_and_leaves_no_partial_file(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = Generator().eval()
    x = torch.rand(1, 3, 96, 128) * 2 - 1
    oom = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    limit = 64 + 2 * 8  # windows larger than this (tile 64, overlap 8) "run out of memory"

    calls: list[int] = []

    def forward(t: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        if len(calls) > 1 and max(t.shape[-2:]) > limit:  # the first call, the statistics pass, is allowed
            raise oom("simulated CUDA out of memory")
        return model(t)

    def run(tile: int) -> torch.Tensor:
        calls.clear()
        return run_tiled(model, x, forward, tile, overlap=8, stats_side=128)

    with torch.no_grad():
        reference = model(x)
        tried: list[int] = []
        out = auto_tile.with_oom_retry(run, 192, tried.append)
        direct = run_tiled(model, x, model, 64, overlap=8, stats_side=128)
    assert tried == [96, 64]
    torch.testing.assert_close(out, direct)  # the retry ends as a plain run at the tile that fits
    err = (out - reference).pow(2).mean().item()
    assert 10 * np.log10(4.0 / err) >= 30.0  # and agrees with the untiled output (range [-1, 1])

    target = tmp_path / "out.png"

    def always_oom(tile: int) -> None:
        raise oom("simulated")

    with pytest.raises(oom):
        atomic_write(target, lambda p: auto_tile.with_oom_retry(always_oom, 256))
    assert list(tmp_path.iterdir()) == []


def test_stylizer_tile_auto_and_retry_on_out_of_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from animegan.inference.stylizer import Stylizer

    torch.manual_seed(0)
    generator = Generator()
    assert Stylizer(generator, device="cpu", precision="fp32", tile="auto").tile == 1024  # the CPU fallback
    stylizer = Stylizer(generator, device="cpu", precision="fp32", tile=128, tile_overlap=8)
    rgb = np.random.default_rng(0).integers(0, 256, (96, 160, 3), dtype=np.uint8)
    reference = Stylizer(generator, device="cpu", precision="fp32", tile=64, tile_overlap=8)(rgb)
    own = stylizer._eager_forward
    oom = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    sizes: list[int] = []

    def forward(x: torch.Tensor) -> torch.Tensor:
        sizes.append(max(x.shape[-2:]))
        if len(sizes) > 1 and max(x.shape[-2:]) > 64 + 16:
            raise oom("simulated")
        return own(x)

    def run_tiled_counting(x: torch.Tensor, tile: int) -> torch.Tensor:
        sizes.clear()
        return tiled(x, tile)

    tiled = stylizer._tiled
    monkeypatch.setattr(stylizer, "_eager_forward", forward)
    monkeypatch.setattr(stylizer, "_tiled", run_tiled_counting)
    np.testing.assert_array_equal(stylizer(rgb), reference)  # retried at tile 64: the same as a run at 64
