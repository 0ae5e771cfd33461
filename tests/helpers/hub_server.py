"""A loopback stand-in for the Hugging Face Hub's download side: ``root/OWNER/REPO/...`` served under the paths
``huggingface_hub`` requests (point ``HF_ENDPOINT`` at it).

- ``GET /api/models/OWNER/REPO[/revision/REV]``: the repo info (``sha``, ``siblings``);
- ``GET /api/models/OWNER/REPO/tree/REV[/PATH]``: the file listing (snapshot_download);
- ``HEAD|GET /OWNER/REPO/resolve/REV/FILE``: the file, with ``X-Repo-Commit``, ``ETag``, ``Content-Length``.

Errors carry the Hub's ``X-Error-Code`` header (RepoNotFound, GatedRepo, RevisionNotFound, EntryNotFound). A repo
folder holding a file named ``.gated`` answers as a gated repository. Every request path is recorded.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"
BRANCH = "main"
GATED = ".gated"


@dataclass
class HubServer:
    """What a running stand-in serves and has been asked."""

    root: Path
    url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)


def _files(repo: Path) -> list[str]:
    return sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file() and p.name != GATED)


def _handler(server: HubServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _error(self, status: int, code: str) -> None:
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _repo(self, owner: str, name: str, revision: str) -> Path | None:
            repo = server.root / owner / name
            if not repo.is_dir():
                self._error(404, "RepoNotFound")
                return None
            if (repo / GATED).exists():
                self._error(403, "GatedRepo")
                return None
            if revision not in (BRANCH, COMMIT):
                self._error(404, "RevisionNotFound")
                return None
            return repo

        def _send(self, body: bytes, headers: dict[str, str], with_body: bool) -> None:
            self.send_response(200)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def _api(self, parts: list[str]) -> None:
            owner, name, rest = parts[2], parts[3], parts[4:]
            revision = unquote(rest[1]) if len(rest) >= 2 else BRANCH
            repo = self._repo(owner, name, revision)
            if repo is None:
                return
            if rest and rest[0] == "tree":
                under = "/".join(rest[2:])
                listing = [
                    {"type": "file", "path": n, "size": (repo / n).stat().st_size, "oid": COMMIT}
                    for n in _files(repo)
                    if n.startswith(under)
                ]
                body = json.dumps(listing).encode()
            else:
                siblings = [{"rfilename": n} for n in _files(repo)]
                body = json.dumps({"id": f"{owner}/{name}", "sha": COMMIT, "siblings": siblings}).encode()
            self._send(body, {"Content-Type": "application/json"}, True)

        def _resolve(self, parts: list[str], with_body: bool) -> None:
            owner, name, revision = parts[1], parts[2], unquote(parts[4])
            repo = self._repo(owner, name, revision)
            if repo is None:
                return
            path = repo / "/".join(unquote(p) for p in parts[5:])
            if not path.is_file() or path.name == GATED:
                self._error(404, "EntryNotFound")
                return
            body = path.read_bytes()
            etag = f'"{hashlib.sha256(body).hexdigest()}"'
            self._send(body, {"X-Repo-Commit": COMMIT, "ETag": etag}, with_body)

        def _serve(self, with_body: bool) -> None:
            server.requests.append((self.command, self.path))
            parts = urlsplit(self.path).path.split("/")
            if len(parts) >= 4 and parts[1] == "api" and parts[2] == "models":
                self._api(parts[1:])
            elif len(parts) >= 6 and parts[3] == "resolve":
                self._resolve(parts, with_body)
            else:
                self._error(404, "RepoNotFound")

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self._serve(True)

        def do_HEAD(self) -> None:  # noqa: N802 - http.server's name
            self._serve(False)

    return Handler


@contextmanager
def serve_hub(root: Path) -> Iterator[HubServer]:
    """Serve ``root`` (``OWNER/REPO/FILES``) as a Hub on a free loopback port."""
    state = HubServer(root)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
