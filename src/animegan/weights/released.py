"""Released generator weights: cache, download (resumable, verified), one-time TF conversion, hash pinning.

Where each family lives in the cache (``$ANIMEGAN_CACHE/weights``, default ``~/.cache/animegan/weights``):
the port's files and ONNX models under their upstream names (``paprika.pt``, ``AnimeGANv3_Hayao_36.onnx``); a
TF checkpoint's files under ``tf/<name>/`` and its conversion as ``<name>.safetensors`` (which records its
config and name in its metadata). Beside each file, ``<file>.sha256`` holds the hash recorded when it was
written; every later use checks it. The file names keep earlier caches valid: a ``paprika.pt`` downloaded
before the TF originals were added is the port's Paprika, now named ``paprika_port``, and stays that.
Torch is only imported to check or convert downloads.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from animegan.errors import DownloadError, WeightsError
from animegan.fetch import download, sha256_of
from animegan.weights.hub import is_hub_spec, resolve_hub
from animegan.weights.registry import (
    DEFAULT_FACE_MODEL,
    DEFAULT_ORDER,
    RELEASED,
    ReleasedFile,
    ReleasedWeights,
)

BASE_URL_ENV = "ANIMEGAN_WEIGHTS_URL"
CACHE_ENV = "ANIMEGAN_CACHE"
DEFAULT_BASE_URL = RELEASED["paprika_port"].base_url  # the port's folder (kept for callers of the old name)
__all__ = ["DEFAULT_FACE_MODEL", "RELEASED", "ReleasedWeights", "fetch", "lookup", "resolve"]


def cache_root() -> Path:
    """animegan's cache folder: ``$ANIMEGAN_CACHE`` or ``~/.cache/animegan``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "animegan").expanduser()


def cache_dir() -> Path:
    """Folder holding downloaded weights: ``cache_root()`` plus ``/weights``."""
    return cache_root() / "weights"


def lookup(name: str) -> ReleasedWeights:
    if name not in RELEASED:
        raise WeightsError(f"unknown released weights {name!r}; expected one of {', '.join(RELEASED)}")
    return RELEASED[name]


def urls_for(name: str, base_url: str | None = None) -> list[str]:
    """Download URLs of a release's files. ``base_url`` (or ``$ANIMEGAN_WEIGHTS_URL``) names a folder, e.g. a
    mirror, that holds the files under their upstream names; by default each file comes from its source."""
    entry, override = lookup(name), base_url or os.environ.get(BASE_URL_ENV)
    if override:
        return [f"{override.rstrip('/')}/{f.name}" for f in entry.files]
    return [f"{entry.base_url}/{f.path}" for f in entry.files]


def url_for(name: str, base_url: str | None = None) -> str:
    """The download URL of a release's first file."""
    return urls_for(name, base_url)[0]


def cached_path(name: str) -> Path:
    """The file ``--weights NAME`` loads: the download itself, or the conversion of a TF checkpoint."""
    entry = lookup(name)
    return cache_dir() / (f"{name}.safetensors" if entry.family == "tf" else entry.files[0].name)


def source_dir(name: str) -> Path:
    return cache_dir() / "tf" / name


def _hash_file(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _recorded(path: Path) -> str | None:
    hash_file = _hash_file(path)
    return hash_file.read_text().split()[0] if hash_file.is_file() else None


def _record(path: Path, digest: str) -> None:
    _hash_file(path).write_text(f"{digest}  {path.name}\n")


def expected_sha256(name: str) -> str | None:
    """The published hash of the file ``name`` loads, if any, else the one recorded when it was written."""
    entry = lookup(name)
    if entry.family != "tf" and entry.sha256:
        return entry.sha256
    return _recorded(cached_path(name))


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


def git_blob_of(path: Path) -> str:
    """Git's blob id of a file (how a repository's tree names its content)."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode(), usedforsecurity=False)
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download_file(file: ReleasedFile, url: str, dest: Path, quiet: bool) -> None:
    """One file into ``dest`` (resumed if a previous attempt stopped), verified, its hash recorded."""
    expected = file.sha256 or _recorded(dest)
    fetched = download(url, dest, sha256=expected, size=file.size, quiet=quiet)
    if file.git_blob and git_blob_of(dest) != file.git_blob:
        dest.unlink()
        raise DownloadError(
            f"{url}: content differs from the repository's ({file.git_blob[:12]}...); removed"
        )
    _record(dest, fetched.sha256)


def _forget(path: Path) -> None:
    path.unlink(missing_ok=True)
    _hash_file(path).unlink(missing_ok=True)


def _check_usable(entry: ReleasedWeights, path: Path) -> None:
    if entry.family == "onnx":
        from animegan.weights.onnx_weights import check_onnx  # deferred: the registry stays torch-free

        check_onnx(path)
    else:
        from animegan.weights.io import load_generator_state  # deferred: torch, for downloads only

        load_generator_state(path, expected_arch=entry.arch)


def _convert(entry: ReleasedWeights, prefix: Path, dest: Path) -> None:
    from animegan.weights.convert import convert_checkpoint  # deferred: torch, for downloads only
    from animegan.weights.io import save_generator

    state, config = convert_checkpoint(prefix)
    meta = {"animegan.name": entry.name, "animegan.source": f"{entry.base_url}/{entry.files[0].path}"}
    save_generator(state, dest, config=config, metadata=meta)


def announce_licence(entry: ReleasedWeights) -> None:
    print(f"animegan: {entry.name}: licence: {entry.licence}", file=sys.stderr)


def fetch(
    name: str,
    base_url: str | None = None,
    quiet: bool = False,
    announce: Callable[[ReleasedWeights], None] = announce_licence,
) -> Path:
    """Download ``name`` into the cache once (TF checkpoints converted once), verified; return the file to load.

    The licence is announced once, when the download happens. A file that is not a usable generator of the
    registered architecture is removed again, so that nothing unusable stays under a cache name.
    """
    entry, dest = lookup(name), cached_path(name)
    if dest.is_file():
        return verify_cached(name)
    urls = urls_for(name, base_url)
    announce(entry)
    targets = [source_dir(name) / f.name for f in entry.files] if entry.family == "tf" else [dest]
    try:
        for file, url, target in zip(entry.files, urls, targets, strict=True):
            _download_file(file, url, target, quiet)
    except DownloadError as exc:
        alternative = "paprika_port" if name == "paprika" and is_cached("paprika_port") else None
        hint = f" (the port's Paprika is cached: --weights {alternative})" if alternative else ""
        raise DownloadError(f"{exc}{hint}") from None
    try:
        if entry.family == "tf":
            _convert(entry, targets[0].with_name(targets[0].name[: -len(".index")]), dest)
        _check_usable(entry, dest)
    except WeightsError as exc:
        for target in {*targets, dest}:
            _forget(target)
        raise DownloadError(f"{urls[0]}: downloaded {entry.family} weights are not usable ({exc})") from None
    if entry.family == "tf":
        _record(dest, sha256_of(dest))
    return dest


def default_cached() -> str | None:
    """The first released name already in the cache (scene models first), or None."""
    return next((name for name in DEFAULT_ORDER if is_cached(name)), None)


def how_to_get_weights() -> str:
    """One line telling a user how to obtain generator weights."""
    return (
        "no generator weights given and none cached; pass --weights PATH|NAME|hf://OWNER/REPO, "
        "or run `animegan weights download paprika` (needs internet), "
        "or train one (`animegan-train ...` writes RUN/generator.pt), or `make demo`"
    )


def resolve(spec: str | os.PathLike | None, base_url: str | None = None, quiet: bool = False) -> Path:
    """Weights for ``spec``: an existing path (file, TF checkpoint folder or prefix), a released name (cached or
    downloaded), ``hf://OWNER/REPO[/FILE][@REVISION]`` (``weights.hub``) or the cached default."""
    if is_hub_spec(spec):
        return resolve_hub(str(spec))
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
