"""Every benchmark runs end to end on a tiny size, so none of them rots; figures are checked for sense, not speed."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
TINY = {
    "bench_first_picture.py": ["--size", "48", "--rounds", "1"],
    "bench_prepare.py": ["--images", "2", "--size", "64", "--rounds", "1", "--workers", "1"],
    "bench_stylize.py": [
        *["--sizes", "64", "--min-seconds", "0.05", "--peak-n", "128", "--peak-seconds", "0.05"],
        *["--e2e-sizes", "48", "--e2e-rounds", "1", "--memory", "64", "--memory-size", "200x120"],
        *[
            "--int8-setup-rounds",
            "0",
            "--profile-size",
            "64",
        ],  # two NNCF quantizations per round: measured by `make bench` only
    ],
    "bench_video.py": [
        *["--size", "96x64", "--frames", "4", "--batch", "2"],
        *["--temporal-size", "64x48", "--temporal-frames", "4"],
    ],
    "bench_disk_full.py": ["--size", "96x64", "--frames", "32", "--batch", "2", "--limit", "16384"],
    "bench_train.py": ["--batch", "1", "--size", "64", "--steps", "1", "--rounds", "1"],
    "bench_faces.py": ["--frames", "2", "--size", "128"],
    "bench_live.py": ["--frames", "2", "--camera", "96x64", "--side", "48"],
    "bench_v3_targets.py": [
        "--batch",
        "2",
        "--size",
        "32",
        "--steps",
        "1",
        "--warmup",
        "0",
        "--workers",
        "2",
    ],
}


def ratios(record: object) -> list[float]:
    """Every number under a key naming a speed ratio, anywhere in the JSON record."""
    if isinstance(record, dict):
        found = [v for k, v in record.items() if "speedup" in k and isinstance(v, int | float)]
        return found + [r for v in record.values() for r in ratios(v)]
    if isinstance(record, list):
        return [r for v in record for r in ratios(v)]
    return []


def test_every_benchmark_is_smoke_tested() -> None:
    assert {p.name for p in BENCHMARKS.glob("bench_*.py")} == set(TINY)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(TINY))
def test_benchmark_runs_on_a_tiny_size(script: str, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    command = [sys.executable, str(BENCHMARKS / script), *TINY[script], "--json", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads(out.read_text())
    found = ratios(record)
    assert found, f"{script} reports no baseline/fast-path ratio"
    assert all(math.isfinite(r) and r > 0 for r in found)
