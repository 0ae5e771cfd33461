"""``python -m animegan ...`` behaves as the ``animegan`` console script (same output, same exit codes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "animegan"


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize(
    "args",
    [["--help"], ["weights", "list"], ["no-such-command"], ["stylize", "missing.png", "-o", "out"]],
)
def test_python_m_animegan_is_the_console_script(tmp_path: Path, args: list[str]) -> None:
    module = run([sys.executable, "-m", "animegan", *args], tmp_path)
    script = run([str(SCRIPT), *args], tmp_path)
    assert module.returncode == script.returncode
    assert module.stdout == script.stdout
    assert module.stderr == script.stderr
    if args == ["--help"]:
        assert module.returncode == 0 and "stylize" in module.stdout
    if args[0] == "stylize":
        assert module.returncode == 1 and "missing.png: file not found" in module.stderr
