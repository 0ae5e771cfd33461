"""Released generator weights (the PyTorch port's ``.pt`` files): registry, cache, download, hash pinning.

The published hashes are not known here, so the registry allows ``sha256=None``: the hash computed after the
first download is recorded beside the file (``<name>.pt.sha256``) and every later use verifies against it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from animegan.errors import DownloadError, WeightsError
from animegan.fetch import download, sha256_of

DEFAULT_BASE_URL = "https://github.com/bryandlee/animegan2-pytorch/raw/main/weights"
BASE_URL_ENV = "ANIMEGAN_WEIGHTS_URL"
CACHE_ENV = "ANIMEGAN_CACHE"


@dataclass(frozen=True)
class ReleasedWeights:
    """One released generator: its name, architecture, training image size and (if published) sha256."""

    name: str
    arch: str
    train_size: int
    description: str
    sha256: str | None = None


RELEASED: dict[str, ReleasedWeights] = {
    w.name: w
    for w in (
        ReleasedWeights("paprika", "v2", 256, "scenes, converted from the TF AnimeGANv2 Paprika checkpoint"),
        ReleasedWeights("face_paint_512_v2", "v2", 512, "faces (aligned 512x512 crops), v2"),
        ReleasedWeights("face_paint_512_v1", "v2", 512, "faces (aligned 512x512 crops), v1"),
        ReleasedWeights("celeba_distill", "v2", 256, "faces, distilled from CelebA (256x256)"),
    )
}
DEFAULT_FACE_MODEL = "face_paint_512_v2"  # the face model of `--faces` and `animegan faces`
DEFAULT_ORDER = ("paprika", "face_paint_512_v2", "celeba_distill", "face_paint_512_v1")


def cache_dir() -> Path:
    """Folder holding downloaded weights: ``$ANIMEGAN_CACHE`` or ``~/.cache/animegan``, plus ``/weights``."""
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "animegan"
    return Path(root).expanduser() / "weights"


def url_for(name: str, base_url: str | None = None) -> str:
    """Download URL of a released name (base URL from the argument, ``$ANIMEGAN_WEIGHTS_URL`` or the port)."""
    base = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    return f"{base.rstrip('/')}/{name}.pt"


def cached_path(name: str) -> Path:
    return cache_dir() / f"{name}.pt"


def _hash_file(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def expected_sha256(name: str) -> str | None:
    """The published hash if known, else the one recorded at the first download, else None."""
    entry = lookup(name)
    if entry.sha256:
        return entry.sha256
    recorded = _hash_file(cached_path(name))
    return recorded.read_text().split()[0] if recorded.is_file() else None


def lookup(name: str) -> ReleasedWeights:
    if name not in RELEASED:
        raise WeightsError(f"unknown released weights {name!r}; expected one of {', '.join(RELEASED)}")
    return RELEASED[name]


def is_cached(name: str) -> bool:
    return cached_path(name).is_file()


def verify_cached(name: str) -> Path:
    """The cached file of ``name`` after checking its hash against the published or recorded one."""
    path = cached_path(name)
    expected = expected_sha256(name)
    if expected is not None and sha256_of(path) != expected:
        raise WeightsError(
            f"{path}: sha256 does not match the one recorded at download ({expected[:12]}...); "
            f"delete it and run `animegan weights download {name}` again"
        )
    return path


def fetch(name: str, base_url: str | None = None, quiet: bool = False) -> Path:
    """Download ``name`` into the cache (once), check it is a generator of the registered arch, pin its hash."""
    from animegan.weights.io import load_generator_state

    entry = lookup(name)
    dest = cached_path(name)
    if dest.is_file():
        return verify_cached(name)
    fetched = download(url_for(name, base_url), dest, sha256=expected_sha256(name), quiet=quiet)
    try:
        load_generator_state(dest, expected_arch=entry.arch)
    except WeightsError as exc:
        dest.unlink(missing_ok=True)
        raise DownloadError(f"{url_for(name, base_url)}: downloaded file is not usable ({exc})") from None
    _hash_file(dest).write_text(f"{fetched.sha256}  {dest.name}\n")
    return dest


def default_cached() -> str | None:
    """The first released name already in the cache (scene model first), or None."""
    return next((name for name in DEFAULT_ORDER if is_cached(name)), None)


def how_to_get_weights() -> str:
    """One line telling a user how to obtain generator weights."""
    return (
        "no generator weights given and none cached; pass --weights PATH|NAME, "
        "or run `animegan weights download paprika` (needs internet), "
        "or train one (`animegan-train ...` writes RUN/generator.pt), or `make demo`"
    )


def resolve(spec: str | os.PathLike | None, base_url: str | None = None, quiet: bool = False) -> Path:
    """A weights file for ``spec``: an existing path, a released name (cached or downloaded) or the cached default."""
    if spec is None:
        name = default_cached()
        if name is None:
            raise WeightsError(how_to_get_weights())
        return verify_cached(name)
    path = Path(spec)
    if path.exists() or str(spec) not in RELEASED:
        if not path.exists() and path.suffix == "" and os.sep not in str(spec):
            raise WeightsError(
                f"{spec}: neither a weights file nor a released name; expected a path or one of {', '.join(RELEASED)}"
            )
        return path
    return fetch(str(spec), base_url=base_url, quiet=quiet)
