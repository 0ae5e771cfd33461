"""Fixtures of the weights tests: an empty cache, and a loopback HTTP server that records what it is asked."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ANIMEGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ANIMEGAN_WEIGHTS_URL", raising=False)
    return tmp_path / "cache" / "weights"


class Server:
    """An HTTP server on 127.0.0.1 serving ``root`` (files under their names); records the paths asked for."""

    def __init__(self, root: Path) -> None:
        self.root, self.requests = root, []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:
                server.requests.append(self.path)

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/weights"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "served"
    (root / "weights").mkdir(parents=True)
    serving = Server(root)
    yield serving
    serving.httpd.shutdown()
    serving.httpd.server_close()
