"""Public AnimeGAN data: a registry of names -> URLs, download, safe extraction into the reference layout.

Sizes and hashes of the release assets were not verified when this registry was written: unknown hashes are
computed on first download, printed, and recorded in ``<root>/.downloads/sha256.json``; later downloads of the
same URL are checked against the recorded value.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from animegan.atomic import atomic_write
from animegan.data.download.archives import extract_archive
from animegan.data.layout import SMOOTH_DIR, STYLE_DIR, list_images
from animegan.data.prepare.style import PrepareReport, prepare_style_dir
from animegan.errors import InputError
from animegan.fetch import download

V1_ZIP = "https://github.com/TachibanaYoshino/AnimeGAN/releases/download/dataset-1/dataset.zip"
V2_RELEASE = "https://github.com/TachibanaYoshino/AnimeGANv2/releases/download/1.0"
VGG_RELEASE = "https://github.com/TachibanaYoshino/AnimeGAN/releases/download/vgg16%2F19.npy"
CACHE_DIR = ".downloads"
HASHES_FILE = "sha256.json"


@dataclass(frozen=True)
class Install:
    """Move the archive folder whose path ends with ``source`` to ``<root>/<dest>``."""

    source: str
    dest: str
    required: bool = True


@dataclass(frozen=True)
class DataSource:
    """One downloadable name: where it comes from and what it installs."""

    name: str
    url: str
    description: str
    installs: tuple[Install, ...] = ()  # empty: a single file installed as <root>/<file name>
    sha256: str | None = None
    size: int | None = None
    styles: tuple[str, ...] = field(default=())  # style folders to prepare after installing

    @property
    def filename(self) -> str:
        return PurePosixPath(self.url.split("?")[0]).name or f"{self.name}.download"


def _style_from_v1(name: str) -> tuple[Install, ...]:
    return (
        Install(f"{name}/{STYLE_DIR}", f"{name}-v1/{STYLE_DIR}"),
        Install(f"{name}/{SMOOTH_DIR}", f"{name}-v1/{SMOOTH_DIR}", False),
    )


def _style_from_v2(name: str) -> tuple[Install, ...]:
    return (Install(STYLE_DIR, f"{name}/{STYLE_DIR}"), Install(SMOOTH_DIR, f"{name}/{SMOOTH_DIR}", False))


PHOTO_INSTALLS = (
    Install("train_photo", "train_photo"),
    Install("val", "val", False),
    Install("test", "test", False),
)
V1_STYLES = ("Hayao", "Paprika", "Shinkai", "SummerWar")
V2_STYLES = ("Hayao", "Shinkai", "Paprika")

REGISTRY: dict[str, DataSource] = {
    "photos": DataSource(
        "photos", V1_ZIP, "train_photo/, val/, test/ of AnimeGAN release dataset-1", PHOTO_INSTALLS
    ),
    **{
        f"{s}-v1": DataSource(
            f"{s}-v1",
            V1_ZIP,
            f"{s} style set of dataset-1 (as {s}-v1/)",
            _style_from_v1(s),
            styles=(f"{s}-v1",),
        )
        for s in V1_STYLES
    },
    **{
        s: DataSource(
            s,
            f"{V2_RELEASE}/{s}.tar.gz",
            f"{s} style set of AnimeGANv2 release 1.0",
            _style_from_v2(s),
            styles=(s,),
        )
        for s in V2_STYLES
    },
    "vgg19": DataSource(
        "vgg19", f"{VGG_RELEASE}/vgg19.npy", "Caffe-converted VGG19 weights of the original repository"
    ),
    "vgg19_no_fc": DataSource(
        "vgg19_no_fc", f"{VGG_RELEASE}/vgg19_no_fc.npy", "the same without the fully connected layers"
    ),
}


def custom_source(name: str, url: str, sha256: str | None = None) -> DataSource:
    """A name not in the registry, from ``--url``: an archive holding a style set (``style/``, maybe ``smooth/``)."""
    return DataSource(
        name, url, f"{name} style set from {url}", _style_from_v2(name), sha256=sha256, styles=(name,)
    )


def describe_registry() -> str:
    """One line per known name."""
    return "\n".join(f"{s.name:14s} {s.description}  <{s.url}>" for s in REGISTRY.values())


def find_folder(base: Path, suffix: str) -> Path | None:
    """The shallowest folder under ``base`` whose path ends with the components of ``suffix``."""
    want = PurePosixPath(suffix).parts
    matches = [
        p for p in base.rglob(want[-1]) if p.is_dir() and p.relative_to(base).parts[-len(want) :] == want
    ]
    return min(matches, key=lambda p: len(p.parts)) if matches else None


def merge_into(source: Path, dest: Path) -> int:
    """Move every file of ``source`` into ``dest`` (same relative paths, replacing same names); return the count."""
    moved = 0
    for path in sorted(source.rglob("*")):
        if path.is_file():
            target = dest / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            moved += 1
    return moved


def recorded_hashes(root: Path) -> dict[str, str]:
    path = root / CACHE_DIR / HASHES_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def record_hash(root: Path, url: str, digest: str) -> None:
    hashes = recorded_hashes(root) | {url: digest}
    text = json.dumps(hashes, indent=2, sort_keys=True) + "\n"
    atomic_write(root / CACHE_DIR / HASHES_FILE, lambda tmp: tmp.write_text(text))


@dataclass
class Installed:
    """What one name installed."""

    name: str
    sha256: str
    hash_was_known: bool
    folders: list[Path] = field(default_factory=list)
    prepared: list[PrepareReport] = field(default_factory=list)


def fetch_and_install(
    sources: list[DataSource],
    root: str | Path,
    keep_archive: bool = False,
    workers: int = 1,
    quiet: bool = False,
    log: Callable[[str], None] = print,
) -> list[Installed]:
    """Download each distinct URL once, install every name that uses it, prepare style sets, return what happened."""
    root = Path(root)
    cache = root / CACHE_DIR
    results: list[Installed] = []
    by_url: dict[str, list[DataSource]] = {}
    for source in sources:
        by_url.setdefault(source.url, []).append(source)
    for url, group in by_url.items():
        known = group[0].sha256 or recorded_hashes(root).get(url)
        is_archive = any(s.installs for s in group)
        dest = (cache if is_archive else root) / group[0].filename
        fetched = download(url, dest, sha256=known, size=group[0].size, quiet=quiet)
        if known is None:
            record_hash(root, url, fetched.sha256)
            log(
                f"{fetched.path.name}: sha256 {fetched.sha256} (no known hash; recorded in {cache / HASHES_FILE})"
            )
        for source in group:
            results.append(
                _install(source, fetched.path, fetched.sha256, known is not None, root, workers, quiet, log)
            )
        if is_archive and not keep_archive:
            fetched.path.unlink(missing_ok=True)
    return results


def _install(
    source: DataSource,
    fetched: Path,
    digest: str,
    known: bool,
    root: Path,
    workers: int,
    quiet: bool,
    log: Callable[[str], None],
) -> Installed:
    done = Installed(source.name, digest, known)
    if not source.installs:  # a single file, downloaded in place
        done.folders.append(fetched)
        return done
    staging = root / CACHE_DIR / f"{source.name}.extract"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        extract_archive(fetched, staging, quiet=quiet)
        for item in source.installs:
            folder = find_folder(staging, item.source)
            if folder is None:
                if item.required:
                    raise InputError(
                        f"{fetched.name}: no folder '{item.source}' inside; expected the {source.name} layout"
                    )
                continue
            count = merge_into(folder, root / item.dest)
            done.folders.append(root / item.dest)
            log(f"{source.name}: {count} files -> {root / item.dest}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for style in source.styles:
        if list_images(root / style / STYLE_DIR):
            done.prepared.append(prepare_style_dir(root / style, workers=workers, quiet=quiet))
    return done
