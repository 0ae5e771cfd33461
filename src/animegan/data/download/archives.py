"""Safe extraction of zip and tar archives: members that could escape the target are refused up front."""

from __future__ import annotations

import re
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from animegan.errors import DownloadError
from animegan.progress import make_progress


def unsafe_reason(name: str) -> str | None:
    """Why a member name is unsafe to extract (absolute, drive letter, ``..``), or None when it is fine."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "'..' component"
    return None


@contextmanager
def _open_members(archive: Path) -> Iterator[list[tuple[str, bool, IO[bytes] | None, str | None]]]:
    """List ``(name, is_dir, opener, problem)`` for every member, with problems for links and special files."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            members = []
            for info in zf.infolist():
                mode = info.external_attr >> 16
                problem = "symbolic link" if stat.S_ISLNK(mode) else None
                members.append((info.filename, info.is_dir(), lambda i=info: zf.open(i), problem))
            yield members
        return
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            members = []
            for info in tf.getmembers():
                problem = None
                if info.issym() or info.islnk():
                    problem = "link" if info.islnk() else "symbolic link"
                elif not (info.isfile() or info.isdir()):
                    problem = "special file"
                members.append((info.name, info.isdir(), lambda i=info: tf.extractfile(i), problem))
            yield members
        return
    raise DownloadError(f"{archive}: not a zip or tar archive")


def extract_archive(archive: str | Path, target: str | Path, quiet: bool = False) -> list[Path]:
    """Extract every regular file and folder of ``archive`` under ``target``; return the files written.

    The archive is refused as a whole (nothing written) if any member is absolute, contains ``..``, resolves
    outside ``target``, or is a link or special file.
    """
    archive, target = Path(archive), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    base = target.resolve()
    with _open_members(archive) as members:
        for name, _, _, problem in members:
            problem = problem or unsafe_reason(name)
            if problem is None and not (base / name).resolve().is_relative_to(base):
                problem = "resolves outside the target"
            if problem:
                raise DownloadError(
                    f"{archive}: refused, member {name!r} could escape {target} ({problem}); nothing was extracted"
                )
        written: list[Path] = []
        with make_progress(disable=quiet) as progress:
            task = progress.add_task(f"extract {archive.name}", total=len(members), unit="file")
            for name, is_dir, opener, _ in members:
                path = base / name
                if is_dir:
                    path.mkdir(parents=True, exist_ok=True)
                else:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    with opener() as source, path.open("wb") as out:
                        shutil.copyfileobj(source, out)
                    written.append(path)
                progress.advance(task)
    return written
