"""The GPU check's CPU smoke mode: runs its stages at tiny sizes and writes both reports, saying it is no GPU run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_check.py"


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU smoke mode; with CUDA it is the full check")
def test_gpu_check_smoke_run_on_the_cpu(tmp_path: Path) -> None:
    command = [sys.executable, str(SCRIPT), str(tmp_path), "--stages", "train_v2"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    assert (
        report["environment"]["cuda_available"] is False
        and report["environment"]["torch"] == torch.__version__
    )
    stage = report["stages"]["train_v2"]
    assert stage["ok"], stage.get("error")
    assert stage["result"] == json.loads((tmp_path / "train_v2.json").read_text())
    text = (tmp_path / "gpu_check.md").read_text()
    assert "not GPU figures" in text and "| train_v2 | yes |" in text
