"""Resumable downloads against a server on 127.0.0.1: resume, truncation, hash mismatch."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from animegan.errors import DownloadError
from animegan.fetch import download

PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes


class Handler(BaseHTTPRequestHandler):
    """Serves PAYLOAD with Range support; /short announces the full length but sends half."""

    ranges_seen: list[str | None] = []

    def log_message(self, *_args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        Handler.ranges_seen.append(self.headers.get("Range"))
        if self.path == "/missing":
            self.send_error(404)
            return
        start = 0
        if self.headers.get("Range") and self.path != "/norange":
            start = int(self.headers["Range"].split("=")[1].rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if self.path == "/short" else body)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.ranges_seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_download_verifies_hash(server: str, tmp_path: Path) -> None:
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    got = download(f"{server}/file", tmp_path / "f.bin", sha256=digest, quiet=True)
    assert got.path.read_bytes() == PAYLOAD and got.sha256 == digest and got.size == len(PAYLOAD)
    download(f"{server}/file", tmp_path / "f.bin", sha256=digest, quiet=True)  # cached: no new request
    assert len(Handler.ranges_seen) == 1


def test_resume_from_partial(server: str, tmp_path: Path) -> None:
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:1000])
    got = download(
        f"{server}/file", tmp_path / "f.bin", sha256=hashlib.sha256(PAYLOAD).hexdigest(), quiet=True
    )
    assert Handler.ranges_seen == ["bytes=1000-"]
    assert got.path.read_bytes() == PAYLOAD


def test_server_without_range_restarts(server: str, tmp_path: Path) -> None:
    (tmp_path / "f.bin.part").write_bytes(b"garbage!" * 10)
    got = download(f"{server}/norange", tmp_path / "f.bin", quiet=True)
    assert got.path.read_bytes() == PAYLOAD


def test_truncated_transfer_keeps_part_for_resume(server: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="truncated|interrupted"):
        download(f"{server}/short", tmp_path / "f.bin", quiet=True)
    assert not (tmp_path / "f.bin").exists()
    assert (tmp_path / "f.bin.part").stat().st_size < len(PAYLOAD)
    got = download(f"{server}/file", tmp_path / "f.bin", quiet=True)  # resumes
    assert got.path.read_bytes() == PAYLOAD


def test_hash_mismatch_and_http_error(server: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="does not match"):
        download(f"{server}/file", tmp_path / "f.bin", sha256="0" * 64, quiet=True)
    assert not (tmp_path / "f.bin").exists() and not (tmp_path / "f.bin.part").exists()
    with pytest.raises(DownloadError, match="404"):
        download(f"{server}/missing", tmp_path / "g.bin", quiet=True)
