"""``animegan weights card WEIGHTS``: a model card for any weights we load. A training run's ``generator.pt`` (or
the run folder) gets its run card (``RUN/hub/README.md``, built if missing); a released name its registry entry
(licence, source, notes); any other file (or ``hf://`` spec) what the file itself records: architecture,
config, sha256 and the ``animegan.*`` metadata (licence, source) of our safetensors files."""

from __future__ import annotations

from pathlib import Path

from safetensors import safe_open

from animegan.fetch import sha256_of
from animegan.hub.card import BASE_TAGS, metadata_block
from animegan.hub.folder import CARD_FILE, HUB_DIR, ensure_hub_folder
from animegan.hub.run_files import HYDRA_CONFIG, run_files
from animegan.weights.io import read_weights
from animegan.weights.registry import PORT_LICENCE, RELEASED, ReleasedWeights
from animegan.weights.released import resolve, urls_for

UNKNOWN = "unknown: not recorded in the file; ask whoever trained it"


def _run_folder(spec: str) -> Path | None:
    """The run folder ``spec`` names (the folder or its generator file, generator.pt by default), if it is one."""
    path = Path(spec)
    if path.is_dir():
        folder = path
    elif path.is_file() and path == run_files(path.parent).generator:
        folder = path.parent
    else:
        return None
    has_card = (folder / HUB_DIR / CARD_FILE).is_file()
    return folder if has_card or (folder / HYDRA_CONFIG).is_file() else None


def _hub_licence(licence: str) -> tuple[str, str | None]:
    """(Hub licence id, licence name for ``other``) of a registry licence text."""
    if licence == PORT_LICENCE:
        return "mit", None
    return "other", "animegan-non-commercial"


def released_card(entry: ReleasedWeights) -> str:
    """The card of a released generator: its registry entry."""
    hub_id, name = _hub_licence(entry.licence)
    link = "https://github.com/TachibanaYoshino/AnimeGANv2#license" if name else None
    tags = [*BASE_TAGS, f"animegan-{entry.arch}", entry.family]
    note = f"\n- note: {entry.note}" if entry.note else ""
    restriction = (
        "\nThe AnimeGAN authors' weights and data sets are for non-commercial use; ask them for anything else."
        if entry.licence != PORT_LICENCE
        else ""
    )
    sources = "\n".join(f"  - {url}" for url in urls_for(entry.name))
    return f"""{metadata_block(hub_id, tags, licence_name=name, licence_link=link)}
# {entry.name}: {entry.description}

## Licence

**{entry.licence}**{restriction}

## Facts

- family: {entry.family} (AnimeGAN{entry.arch}), trained at {entry.train_size} px
- source:
{sources}{note}

## How to use

```bash
animegan weights download {entry.name}
animegan stylize photo.jpg -o out.png --weights {entry.name}
```
"""


def file_card(spec: str, path: Path) -> str:
    """The card of a weights file (or TF checkpoint, ONNX model) from what it records about itself."""
    metadata: dict[str, str] = {}
    if path.suffix == ".safetensors":
        with safe_open(str(path), framework="pt") as f:
            metadata = dict(f.metadata() or {})
    if path.suffix.lower() == ".onnx":
        config: dict[str, object] = {"format": "onnx"}
    else:
        _, config = read_weights(path)
    hub_id = metadata.get("animegan.license", "unknown")
    licence = metadata.get("animegan.licence", UNKNOWN)
    facts = "\n".join(f"- {k}: {v}" for k, v in config.items())
    recorded = "\n".join(f"- {k}: {v}" for k, v in sorted(metadata.items())) or "- nothing"
    digest = sha256_of(path) if path.is_file() else "(a folder: see its files)"
    tags = [*BASE_TAGS, f"animegan-{config.get('arch', 'onnx')}"]
    return f"""{metadata_block(hub_id, tags)}
# {Path(spec).name}

## Licence

**{licence}**

## Facts

- weights: `{spec}` (sha256 `{digest}`)
{facts}

Recorded in the file:
{recorded}

## How to use

```bash
animegan stylize photo.jpg -o out.png --weights {spec}
```
"""


def weights_card(spec: str) -> str:
    """The model card of ``spec``: a run, a released name, a file or an ``hf://`` spec."""
    run = _run_folder(spec)
    if run is not None:
        return (ensure_hub_folder(run) / CARD_FILE).read_text()  # rebuilt if eval came later
    if spec in RELEASED and not Path(spec).exists():
        return released_card(RELEASED[spec])
    return file_card(spec, resolve(spec))
