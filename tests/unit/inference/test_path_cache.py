"""The ``auto`` precision's verdict kept in the runtime cache: computed once per weights, read back after."""

from __future__ import annotations

import pytest
import torch

from animegan.inference.runtimes import path_cache, precision
from animegan.inference.runtimes.cache import RuntimeCache
from animegan.inference.runtimes.path_cache import choose_path_cached
from animegan.inference.runtimes.precision import ExecutionPath, choose_path
from animegan.inference.stylizer import Stylizer

CPU = torch.device("cpu")
PATHS = [ExecutionPath("bf16", True), ExecutionPath("fp32", True)]


@pytest.fixture
def calibrations(monkeypatch) -> dict:
    """Both candidates offered whatever the CPU; ``calibrated_psnr`` answers ``db`` and counts its calls."""
    state = {"db": 50.0, "calls": 0}

    def fake(generator, path, device):
        state["calls"] += 1
        return state["db"]

    monkeypatch.setattr(precision, "candidate_paths", lambda device: list(PATHS))
    monkeypatch.setattr(path_cache, "candidate_paths", lambda device: list(PATHS))
    monkeypatch.setattr(precision, "calibrated_psnr", fake)
    return state


def net(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Conv2d(3, 3, 3, padding=1)


def test_the_verdict_is_computed_once_then_read(calibrations, tmp_path):
    cache = RuntimeCache(tmp_path)
    assert choose_path_cached(net(0), CPU, "auto", cache) == PATHS[0] and calibrations["calls"] == 1
    assert len(list(tmp_path.glob(f"*{path_cache.SUFFIX}"))) == 1
    calibrations["db"] = 0.0  # were it computed again, fp32 would win: the cached bf16 verdict must come back
    assert choose_path_cached(net(0), CPU, "auto", cache) == PATHS[0] and calibrations["calls"] == 1


def test_a_fp32_fallback_is_kept_and_other_weights_are_calibrated_anew(calibrations, tmp_path):
    cache = RuntimeCache(tmp_path)
    calibrations["db"] = 20.0  # bf16 loses too much: fp32
    assert choose_path_cached(net(1), CPU, "auto", cache) == PATHS[1]
    calibrations["db"] = 50.0
    assert choose_path_cached(net(1), CPU, "auto", cache) == PATHS[1]  # the same weights: read back
    assert choose_path_cached(net(2), CPU, "auto", cache) == PATHS[0]  # other weights: their own verdict
    assert calibrations["calls"] == 2
    assert choose_path_cached(net(2), CPU, "auto", cache) == choose_path(net(2), CPU, "auto")


def test_a_corrupt_entry_is_computed_and_written_anew(calibrations, tmp_path):
    cache = RuntimeCache(tmp_path)
    choose_path_cached(net(0), CPU, "auto", cache)
    (entry,) = tmp_path.glob(f"*{path_cache.SUFFIX}")
    good = entry.read_bytes()
    for bad in (b"fp64 sideways", b"\xff\xfe", b""):
        entry.write_bytes(bad)
        assert choose_path_cached(net(0), CPU, "auto", cache) == PATHS[0]
        assert entry.read_bytes() == good
    assert calibrations["calls"] == 4


def test_explicit_precisions_and_a_disabled_cache_write_nothing(calibrations, tmp_path, monkeypatch):
    cache = RuntimeCache(tmp_path / "on")
    assert choose_path_cached(net(0), CPU, "fp32", cache) == ExecutionPath("fp32", True)
    assert not cache.folder.exists()
    monkeypatch.setenv("ANIMEGAN_RUNTIME_CACHE", "0")
    off = RuntimeCache(tmp_path / "off")
    choose_path_cached(net(0), CPU, "auto", off)
    choose_path_cached(net(0), CPU, "auto", off)
    assert calibrations["calls"] == 2 and not off.folder.exists()


def test_a_stylizer_reads_the_verdict_in_the_cache(rng, monkeypatch):
    from animegan.nets import GeneratorV2

    torch.manual_seed(3)
    generator = GeneratorV2().eval()
    first = Stylizer(generator, device="cpu", runtime="torch")  # computes, into $ANIMEGAN_CACHE (conftest)

    def no_calibration(*args):
        raise AssertionError("calibrated again although cached")

    monkeypatch.setattr(precision, "calibrated_psnr", no_calibration)
    again = Stylizer(generator, device="cpu", runtime="torch")
    assert again.execution == first.execution
    image = rng.integers(0, 256, (32, 48, 3), dtype="uint8")
    assert (again(image) == first(image)).all()
