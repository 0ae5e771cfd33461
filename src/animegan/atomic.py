"""Write files under a temporary name, then rename: nothing half-written is ever left under the final name.

Temporary files are hidden and carry the writer's host and PID: ``.<stem>.partial-<host>-<pid>-<random><suffix>``
beside the final file. A process killed outright (SIGKILL, power loss) cannot remove its own; the next write
into the same folder removes those of this host whose process is gone (a live PID, even one reused, keeps its
file, and so does another host's on a shared folder: never delete a file another process may still be writing).
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PARTIAL_MARK = ".partial-"
HOST = re.sub(r"[^a-z0-9]", "", socket.gethostname().lower())[:16] or "host"
_PARTIAL_NAME = re.compile(r"^\..*\.partial-(?P<host>[a-z0-9]+)-(?P<pid>\d+)-[a-z0-9_]+(\.[^.]*)?$")
_swept: set[Path] = set()
_sweep_lock = threading.Lock()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def partial_pid(path: Path) -> int | None:
    """The PID in the name of a temporary file made by ``atomic_path`` on this host; None for any other name."""
    match = _PARTIAL_NAME.match(path.name)
    return int(match["pid"]) if match and match["host"] == HOST else None


def pid_alive(pid: int) -> bool:
    """True if a process with this PID exists (ours, or anyone's we may not signal)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(folder: Path) -> list[Path]:
    """Delete the temporary files in ``folder`` left by processes that no longer exist; returns what went."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        pid = partial_pid(Path(entry.name)) if PARTIAL_MARK in entry.name else None
        if pid is not None and not pid_alive(pid) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


def _sweep_once(folder: Path) -> None:
    """Remove stale temporary files from ``folder`` the first time this process writes there."""
    key = folder.resolve()
    with _sweep_lock:
        if key in _swept:
            return
        _swept.add(key)
    remove_stale_partials(folder)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix); on success rename it onto ``path``, else delete it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_once(path.parent)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}{PARTIAL_MARK}{HOST}-{os.getpid()}-", suffix=path.suffix, dir=path.parent
    )
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the final file the usual permissions
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` and rename the result onto ``path``."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)
