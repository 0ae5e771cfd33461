"""What a trained run came from, read from its config and the files beside it: the style and photo sets (names,
counts, content sha256 from ``dataset.json``, download hashes), the VGG of the loss, the weights it started from,
the last validation and ``animegan eval`` figures, and the licence that follows from all of them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from animegan.data.download.datasets import REGISTRY, V1_STYLES, V2_STYLES, VGG_RELEASE, recorded_hashes
from animegan.data.layout import INFO_FILE, PHOTO_DIR
from animegan.weights.hub import is_hub_spec, parse
from animegan.weights.registry import AUTHORS_LICENCE, PORT_PAPRIKA_LICENCE, RELEASED, ReleasedWeights
from animegan.weights.released import cached_path

DISTANCES_FILE = "val_distances.jsonl"  # written by training.callbacks.SampleGrid
EVAL_FILES = ("eval.json", "eval/eval.json")  # `animegan eval -o RUN` or `-o RUN/eval`
ANIMEGAN_LICENCE_LINK = "https://github.com/TachibanaYoshino/AnimeGANv2#license"
ANIMEGAN_STYLES = {*V1_STYLES, *V2_STYLES}
VGG_SOURCES = {
    "random": "random VGG19 features (offline demo; no pretrained VGG)",
    "imagenet": "torchvision VGG19 IMAGENET1K_V1",
}


@dataclass(frozen=True)
class Licence:
    """A model's licence: the Hub's ``license`` id (``mit``, ``other``, ``unknown``), a name and link for
    ``other``, the text shown to people and why it follows."""

    hub_id: str
    text: str
    reasons: tuple[str, ...] = ()
    name: str | None = None
    link: str | None = None

    @property
    def commercial(self) -> bool:
        return self.hub_id == "mit"


@dataclass(frozen=True)
class ImageSet:
    """One training set: its name, image count, content sha256 (``prepare``) and where it was downloaded from."""

    name: str
    count: int | None
    sha256: str | None
    sources: tuple[str, ...] = ()


@dataclass
class Provenance:
    """Everything a model card says about where a run's generator came from."""

    style: ImageSet
    photos: ImageSet
    vgg: str
    init: str | None
    licence: Licence
    training_config: dict[str, Any]
    generator_config: dict[str, Any]
    validation: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, Any] | None = None

    @property
    def base_model(self) -> str | None:
        """The Hub id of the weights this run was fine-tuned from, when they came from the Hub."""
        return parse(self.init).repo if self.init and is_hub_spec(self.init) else None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def image_sets(data_root: Path, style: str) -> tuple[ImageSet, ImageSet]:
    """The style and photo sets of ``data_root`` as ``prepare`` recorded them (dataset.json) and the downloads."""
    info = _read_json(data_root / style / INFO_FILE) or {}
    urls = recorded_hashes(data_root)
    style_urls = tuple(s.url for s in REGISTRY.values() if style in s.styles and s.url in urls)
    photo_urls = tuple(u for u in (REGISTRY["photos"].url,) if u in urls)  # the photos ship in dataset-1 only
    return (
        ImageSet(style, info.get("n_style"), info.get("sha256_style"), style_urls),
        ImageSet(PHOTO_DIR, info.get("n_photos"), info.get("sha256_photos"), photo_urls),
    )


def released_entry(init: str) -> ReleasedWeights | None:
    """The released generator ``init`` names, by name or by the file name it has in the weights cache."""
    if init in RELEASED:
        return RELEASED[init]
    name = Path(init).name
    return next((e for e in RELEASED.values() if cached_path(e.name).name == name), None)


def licence_for(style: ImageSet, photos: ImageSet, init: str | None) -> Licence:
    """The licence that follows from the data and the starting weights (non-commercial wherever AnimeGAN's
    data sets or weights went in)."""
    reasons = []
    if style.name.removesuffix("-v1") in ANIMEGAN_STYLES or style.sources:
        reasons.append(f"style set {style.name}: AnimeGAN's data set (anime film frames)")
    if photos.sources:
        reasons.append("photos: AnimeGAN's dataset-1 train_photo/")
    entry = released_entry(init) if init else None
    if entry is not None and entry.licence in (AUTHORS_LICENCE, PORT_PAPRIKA_LICENCE):
        reasons.append(f"fine-tuned from the released {entry.name} ({entry.licence})")
    if reasons:
        return Licence(
            "other", AUTHORS_LICENCE, tuple(reasons), "animegan-non-commercial", ANIMEGAN_LICENCE_LINK
        )
    if init and entry is None:
        why = f"fine-tuned from {init}: its licence, and the data's, apply; set it before publishing"
        return Licence("unknown", "unknown: inherits the base weights' licence", (why,))
    if style.name == "Demo":
        why = "the offline demo: scikit-image's sample photos and cartoon-filtered copies of them"
        return Licence("mit", "MIT", (why,))
    why = f"style set {style.name}: not one of AnimeGAN's; the frames' and photos' owners' terms apply"
    return Licence("unknown", "unknown: set by the data's owners; edit before publishing", (why,))


def vgg_description(weights: str) -> str:
    """What the loss's VGG19 was: random, torchvision's, or a file (the Caffe vgg19.npy of AnimeGAN's release)."""
    if weights in VGG_SOURCES:
        return VGG_SOURCES[weights]
    name = Path(weights).name
    source = f" from {VGG_RELEASE}/{name}" if name.startswith("vgg19") and name.endswith(".npy") else ""
    return f"{name}{source} (loss only; not part of these weights)"


def last_validation(run_dir: Path, metrics: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The last line of ``val_distances.jsonl`` plus the ``val/*`` figures the trainer last logged."""
    figures: dict[str, Any] = {}
    path = run_dir / DISTANCES_FILE
    if path.is_file():
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        figures = _read_json_line(lines[-1]) if lines else {}
    for key, value in (metrics or {}).items():
        if key.startswith("val/") and key.removeprefix("val/") not in figures:
            try:
                figures[key] = round(float(value), 6)
            except (TypeError, ValueError):
                continue
    return figures


def _read_json_line(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def evaluation(run_dir: Path) -> dict[str, Any] | None:
    """``animegan eval``'s eval.json in the run folder, if any."""
    for name in EVAL_FILES:
        document = _read_json(run_dir / name)
        if isinstance(document, dict):
            return document
    return None


def provenance(
    run_dir: Path,
    training_config: dict[str, Any],
    generator_config: dict[str, Any],
    metrics: Mapping[str, Any] | None = None,
) -> Provenance:
    """The provenance of the run in ``run_dir`` trained with ``training_config`` (a resolved plain dict)."""
    data = training_config.get("data", {})
    style, photos = image_sets(Path(str(data.get("root", "."))), str(data.get("style", "")))
    init = training_config.get("init_generator")
    vgg = str(training_config.get("model", {}).get("vgg", {}).get("weights", "unknown"))
    return Provenance(
        style=style,
        photos=photos,
        vgg=vgg_description(vgg),
        init=str(init) if init else None,
        licence=licence_for(style, photos, str(init) if init else None),
        training_config=training_config,
        generator_config=generator_config,
        validation=last_validation(run_dir, metrics),
        evaluation=evaluation(run_dir),
    )
