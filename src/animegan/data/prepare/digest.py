"""The sha256 of an image set's contents, recorded by ``prepare`` in ``dataset.json`` (provenance for model cards).

The digest is that of the set's manifest in ``sha256sum`` form: one line ``<sha256 of the file>  <name>`` per
image, sorted by name, each ending in a newline. ``(cd DIR && sha256sum $(ls) | sha256sum)`` over the same image
files gives the same value: it names the set's content, independently of its folder or timestamps.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from animegan.data.layout import list_images
from animegan.fetch import sha256_of


def manifest(folder: Path) -> str:
    """``sha256sum``-style lines for the images directly in ``folder``, sorted by name."""
    return "".join(f"{sha256_of(path)}  {path.name}\n" for path in list_images(folder))


def set_sha256(folder: Path) -> str | None:
    """The sha256 of ``folder``'s image manifest, or None when the folder holds no images."""
    lines = manifest(folder)
    return hashlib.sha256(lines.encode()).hexdigest() if lines else None
