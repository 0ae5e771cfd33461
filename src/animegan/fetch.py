"""Resumable HTTP(S) downloads with progress, size check and sha256 verification (used for data and weights)."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from animegan.errors import DownloadError
from animegan.progress import make_progress

CHUNK = 1 << 16


@dataclass
class Fetched:
    """A finished download: where it is, its size and sha256."""

    path: Path
    size: int
    sha256: str


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open(url: str, start: int, timeout: float) -> urllib.response.addinfourl:  # type: ignore[name-defined]
    headers = {"User-Agent": "animegan-downloader"}
    if start:
        headers["Range"] = f"bytes={start}-"
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)  # noqa: S310
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:  # already complete
            raise
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"{url}: cannot connect ({reason}); check the network or pass --url") from None


def download(
    url: str,
    dest: str | Path,
    sha256: str | None = None,
    size: int | None = None,
    timeout: float = 30.0,
    quiet: bool = False,
) -> Fetched:
    """Download ``url`` to ``dest``, resuming ``dest + '.part'`` if a previous attempt stopped part way.

    The file appears under ``dest`` only once complete and verified (size, then sha256 when given).
    A finished ``dest`` whose hash matches is not fetched again.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_file() and (sha256 is None or sha256_of(dest) == sha256):
        return Fetched(dest, dest.stat().st_size, sha256 or sha256_of(dest))
    part = dest.with_name(dest.name + ".part")
    start = part.stat().st_size if part.exists() else 0
    try:
        response = _open(url, start, timeout)
    except urllib.error.HTTPError:  # 416: the partial file is already whole
        response = None
    if response is not None:
        with response:
            resumed = start > 0 and response.status == 206
            if not resumed:
                start = 0
            length = response.headers.get("Content-Length")
            total = start + int(length) if length is not None else size
            with part.open("ab" if resumed else "wb") as out, make_progress(disable=quiet) as progress:
                task = progress.add_task(f"download {dest.name}", total=total, completed=start, unit="B")
                try:
                    while block := response.read(CHUNK):
                        out.write(block)
                        progress.advance(task, len(block))
                except (OSError, TimeoutError) as exc:
                    raise DownloadError(f"{url}: transfer interrupted ({exc}); run again to resume") from None
        if total is not None and part.stat().st_size != total:
            raise DownloadError(
                f"{url}: truncated transfer ({part.stat().st_size} of {total} bytes); run again to resume"
            )
    got_size = part.stat().st_size
    if size is not None and got_size != size:
        part.unlink()
        raise DownloadError(f"{url}: size {got_size} bytes, expected {size}; the partial file was removed")
    digest = sha256_of(part)
    if sha256 is not None and digest != sha256.lower():
        part.unlink()
        raise DownloadError(
            f"{url}: sha256 {digest} does not match the expected {sha256}; the file was removed"
        )
    os.replace(part, dest)
    return Fetched(dest, got_size, digest)
