"""benchmarks/tf_fidelity.py runs on a tiny size and reports the converted mode far above the port's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "tf_fidelity.py"


@pytest.mark.slow
def test_fidelity_figures_on_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "fidelity.json"
    command = [sys.executable, str(SCRIPT), "--sizes", "64", "--arch", "v2", "--json", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(out.read_text())["v2"]["64"]
    assert figures["psnr_db_converted"] >= 45.0 > figures["psnr_db_port"]
