"""Atomic writes: temp files beside the target carry the PID; stale ones of dead processes are swept, live ones kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from animegan.atomic import HOST, atomic_path, partial_pid, remove_stale_partials


def dead_pid() -> int:
    """The PID of a process that has exited and been reaped."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(child.stdout)


def test_temp_file_is_hidden_beside_the_target_and_names_our_pid(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "clip.mp4") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".clip.partial-") and tmp.suffix == ".mp4"
        assert partial_pid(tmp) == os.getpid()
        tmp.write_bytes(b"data")
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), atomic_path(tmp_path / "a.png") as tmp:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_stale_partials_of_dead_processes_are_removed_live_ones_kept(tmp_path: Path) -> None:
    pid = dead_pid()
    stale = tmp_path / f".clip.partial-{HOST}-{pid}-k3j4h_9a.mp4"
    live = tmp_path / f".other.partial-{HOST}-{os.getppid()}-abcd1234.png"
    elsewhere = tmp_path / f".clip.partial-{HOST}x-{pid}-k3j4h_9a.mp4"  # another host's, on a shared folder
    lookalike = tmp_path / ".notes.partial.txt"  # not ours: no host, no PID
    visible = tmp_path / f"clip.partial-{HOST}-{pid}-abc.mp4"  # not hidden: a user's file
    for path in (stale, live, elsewhere, lookalike, visible):
        path.write_bytes(b"x")
    assert remove_stale_partials(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (live, elsewhere, lookalike, visible)
    )


def test_first_write_into_a_folder_sweeps_it(tmp_path: Path) -> None:
    stale = tmp_path / f".photo.partial-{HOST}-{dead_pid()}-zz99.png"
    stale.write_bytes(b"x")
    with atomic_path(tmp_path / "new.png") as tmp:
        tmp.write_bytes(b"y")
    assert [p.name for p in tmp_path.iterdir()] == ["new.png"]
