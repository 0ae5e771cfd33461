"""Shared output of the benchmarks: the JSON record, printed and optionally written to a file."""

from __future__ import annotations

import json
from pathlib import Path


def emit_json(results: dict, path: str | Path | None) -> None:
    """Print ``results`` as JSON and, when ``path`` is given, also write it there."""
    text = json.dumps(results, indent=2, default=float)
    print(text)
    if path:
        Path(path).write_text(text + "\n")
