"""``RUN/hub/``: a trained run as a Hub-ready model folder, written beside its generator file (``generator.pt``,
as the config names it: ``run_files``) at the end of training (and rebuilt by ``animegan push`` for older runs from
``RUN/.hydra/config.yaml``).

    model.safetensors   the deployed generator, its config and provenance in the metadata (animegan.*)
    config.json         the generator config, the weights file's name (``weights``), style, licence
    sample.png          the last validation grid (photos, then their stylizations)
    README.md           the model card (hub.card)

Each file is written under a temporary name and renamed; the card last, so a folder with a README is complete.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from animegan.atomic import atomic_write
from animegan.errors import InputError
from animegan.hub.card import LIBRARY, SAMPLE_FILE, WEIGHTS_FILE, run_card
from animegan.hub.provenance import EVAL_FILES, Provenance, provenance
from animegan.hub.run_files import HYDRA_CONFIG, run_files
from animegan.nets.generator import build_generator
from animegan.weights.io import read_generator, save_generator

HUB_DIR = "hub"
CARD_FILE = "README.md"
REQUIRED = (WEIGHTS_FILE, "config.json", CARD_FILE)


def plain_config(cfg: Any) -> dict[str, Any]:
    """The training config as a plain dict, interpolations resolved where they can be."""
    from omegaconf import DictConfig, OmegaConf  # deferred: hub cards of plain dicts need no OmegaConf

    if not isinstance(cfg, DictConfig):
        return dict(cfg)
    try:
        return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
    except Exception:  # noqa: BLE001 - e.g. ${hydra:...} outside a Hydra run: keep the unresolved text
        return OmegaConf.to_container(cfg, resolve=False)  # type: ignore[return-value]


def generator_config(training: Mapping[str, Any], arch: str) -> dict[str, Any]:
    """The full generator config (defaults filled in) the training config builds for ``arch``."""
    options = training.get("model", {}).get("generator", {}) or {}
    extra = {k: v for k, v in options.items() if not k.startswith("_") and k != "arch"}
    return build_generator(arch, **extra).config()


def sample_image(samples_dir: Path) -> Path | None:
    """The newest validation grid of the run (``samples_dir/*.png``), if any."""
    grids = sorted(samples_dir.glob("*.png"), key=lambda p: (p.stat().st_mtime, p.name))
    return grids[-1] if grids else None


def _metadata(prov: Provenance, run_dir: Path) -> dict[str, str]:
    meta = {
        "animegan.style": prov.style.name,
        "animegan.license": prov.licence.hub_id,
        "animegan.licence": prov.licence.text,
        "animegan.source": f"animegan-train run {run_dir.name}",
    }
    for key, images in (("style", prov.style), ("photos", prov.photos)):
        if images.sha256:
            meta[f"animegan.sha256_{key}"] = images.sha256
    return meta


def write_hub_folder(
    run_dir: str | Path, cfg: Any, metrics: Mapping[str, Any] | None = None, title: str | None = None
) -> Path:
    """Write ``run_dir/hub/`` from the run's generator file and sample grids (where ``cfg`` names them), its
    training config ``cfg`` and the trainer's last ``metrics``; returns the folder."""
    run_dir = Path(run_dir)
    out = run_dir / HUB_DIR
    if metrics is None:  # a rebuild: keep the figures the trainer logged when the folder was first written
        metrics = (_read_json(out / "config.json") or {}).get("validation")
    training = plain_config(cfg)
    run = run_files(run_dir, cfg)
    state, arch, _ = read_generator(run.generator)
    config = generator_config(training, arch)
    prov = provenance(run_dir, training, config, metrics)
    save_generator(state, out / WEIGHTS_FILE, config=config, metadata=_metadata(prov, run_dir))
    description = {
        "library_name": LIBRARY,
        "weights": WEIGHTS_FILE,
        **config,
        "train_size": training.get("data", {}).get("image_size"),
        "style": prov.style.name,
        "license": prov.licence.hub_id,
        "validation": prov.validation,
    }
    atomic_write(out / "config.json", lambda p: p.write_text(json.dumps(description, indent=2) + "\n"))
    sample = sample_image(run.samples)
    if sample is not None:
        atomic_write(out / SAMPLE_FILE, lambda p: shutil.copyfile(sample, p))
    name = title or f"AnimeGAN {prov.style.name} ({arch})"
    atomic_write(out / CARD_FILE, lambda p: p.write_text(run_card(prov, name)))
    return out


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _stale(folder: Path, run_dir: Path) -> bool:
    """Whether ``animegan eval`` wrote figures after the card was written (or its run's weights changed)."""
    card = (folder / CARD_FILE).stat().st_mtime
    newer = [*(run_dir / name for name in EVAL_FILES), run_files(run_dir).generator]
    return any(p.is_file() and p.stat().st_mtime > card for p in newer)


def ensure_hub_folder(run_dir: str | Path) -> Path:
    """``run_dir/hub`` (or ``run_dir`` itself when it is a Hub folder), rebuilt from the run's saved Hydra config
    when the run predates it or eval figures came later. One line naming what is missing otherwise."""
    run_dir = Path(run_dir)
    for folder in (run_dir, run_dir / HUB_DIR):
        complete = all((folder / name).is_file() for name in REQUIRED)
        if complete and not (_stale(folder, run_dir) and (run_dir / HYDRA_CONFIG).is_file()):
            return folder
    generator = run_files(run_dir).generator  # as the saved config names it
    if not generator.is_file():
        raise InputError(
            f"{run_dir}: no {HUB_DIR}/ folder and no {generator.name}; expected a training run folder "
            "(animegan-train's output) or a Hub folder (model.safetensors, config.json, README.md)"
        )
    if not (run_dir / HYDRA_CONFIG).is_file():
        raise InputError(
            f"{run_dir}: no {HUB_DIR}/ folder and no {HYDRA_CONFIG} to build it from; retrain, or write the "
            "folder with animegan.hub.folder.write_hub_folder(run_dir, cfg)"
        )
    from omegaconf import OmegaConf  # deferred: only older runs need their saved config read

    return write_hub_folder(run_dir, OmegaConf.load(run_dir / HYDRA_CONFIG))
