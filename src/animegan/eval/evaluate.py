"""``animegan eval``'s work: the photo and style sets, their features, then per model the stylized photos, their
FID and KID against both sets, the parameter count and the latency; one record per model plus the protocol."""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from animegan.atomic import atomic_path
from animegan.device import resolve_device
from animegan.errors import AnimeGANError
from animegan.eval import speed
from animegan.eval.features import extract
from animegan.eval.images import ImageSet, load_set, require
from animegan.eval.inception import FeatureNet
from animegan.eval.models import Model, baseline, from_weights
from animegan.eval.options import EvalOptions
from animegan.eval.statistics import fid, kid
from animegan.progress import make_progress


@dataclass
class Evaluation:
    """The results: the protocol, one record per model, and the grid's photos and renderings."""

    protocol: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    grid: dict[str, list[np.ndarray]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def protocol(options: EvalOptions, photos: ImageSet, style: ImageSet, net: FeatureNet) -> dict[str, Any]:
    """How the figures were made: sizes, counts, the KID subsets, the feature network and the versions."""
    return {
        "image_size": options.size,
        "preprocessing": "centre square crop, resized to image_size (area/cubic); the network resizes to 299",
        "photos": {"folder": str(photos.folder), "count": len(photos), "skipped": len(photos.skipped)},
        "style": {"folder": str(style.folder), "count": len(style), "skipped": len(style.skipped)},
        "fid": "Frechet distance of pool3 Gaussians (unbiased covariances), torchmetrics",
        "kid": {
            "kernel": "cubic polynomial (x.y/2048 + 1)^3, unbiased MMD^2",
            "subset_size": options.kid_subset,
            "subsets": options.kid_subsets,
            "reported": "mean and std over subsets, raw scale (x1000 is common)",
        },
        "feature_network": net.describe(),
        "latency": f"median of {options.latency_repeats} runs after warm-up, uint8 RGB in and out",
        "device": options.device,
        "versions": {
            name: version(name) for name in ("animegan", "torch", "torchmetrics", "pytorch-fid", "numpy")
        }
        | {"python": platform.python_version()},
    }


def stylized_set(model: Model, photos: ImageSet, quiet: bool) -> list[np.ndarray]:
    """Every photo as ``model`` renders it (same size), with a progress bar."""
    out = []
    with make_progress(disable=quiet) as progress:
        task = progress.add_task(f"stylize ({model.label})", total=len(photos), unit="img")
        for image in photos.images:
            out.append(model.stylize(image))
            progress.advance(task)
    return out


def measure(
    model: Model, rendered: np.ndarray, references: dict[str, np.ndarray], options: EvalOptions
) -> dict[str, Any]:
    """The record of one model: FID/KID against each reference set, parameters and latencies."""
    record: dict[str, Any] = {"model": model.label, "kind": model.kind}
    for name, reference in references.items():
        record[f"fid_{name}"] = fid(rendered, reference)
        score = kid(rendered, reference, options.kid_subset, options.kid_subsets)
        record[f"kid_{name}"], record[f"kid_{name}_std"] = score.mean, score.std
    if model.stylizer is not None:
        record["parameters"] = speed.parameter_count(model.stylizer)
        record["runs_on"] = getattr(model.stylizer, "describe", lambda: str(model.stylizer.device))()
        wanted = {k: v for k, v in speed.SIZES.items() if options.hr or k == "256x256"}
        for name, (width, height) in wanted.items():
            record[f"latency_{name}_s"] = speed.latency(
                model.stylizer, width, height, options.latency_repeats
            )
    return record


def save_features(folder: Path, name: str, features: np.ndarray) -> Path:
    """``folder/name.npy`` (N x 2048 float64), written under a temporary name first."""
    path = folder / f"{name}.npy"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        np.save(handle, features)
    return path


def slug(label: str) -> str:
    """A file-name-safe form of a model label."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(label).stem or label)[:60]


def evaluate(
    weights: list[str],
    photos_dir: str | Path,
    style_dir: str | Path,
    net: FeatureNet,
    options: EvalOptions,
    out: Path,
    warn: Callable[[str], None] = print,
) -> Evaluation:
    """Load and check the sets (before any stylizing), take their features, then measure every model."""
    photos = load_set("photos", photos_dir, options.size, options.limit, warn)
    style = load_set("style", style_dir, options.size, options.limit, warn)
    for images in (photos, style):
        require(images, max(2, options.kid_subset), f"KID with subsets of {options.kid_subset}")
    device = str(resolve_device(options.device))
    result = Evaluation(protocol(options, photos, style, net) | {"device": device})
    references = {
        "photo": extract(net.network, photos.images, "photos", device, quiet=options.quiet),
        "style": extract(net.network, style.images, "style", device, quiet=options.quiet),
    }
    if options.save_features:
        for name, features in references.items():
            save_features(out / "features", f"set_{name}", features)
    result.grid["photos"] = photos.images[: options.grid_photos]
    entries = [("baseline", name) for name in options.baselines] + [("weights", w) for w in weights]
    for kind, name in entries:
        try:
            model = (
                baseline(name) if kind == "baseline" else from_weights(name, options.device, options.quiet)
            )
            rendered = stylized_set(model, photos, options.quiet)
        except AnimeGANError as exc:
            result.failures.append(str(exc))
            warn(f"error: {exc}")
            continue
        features = extract(net.network, rendered, model.label, device, quiet=options.quiet)
        if options.save_features:
            save_features(out / "features", f"model_{slug(model.label)}", features)
        result.records.append(measure(model, features, references, options))
        result.grid[model.label] = rendered[: options.grid_photos]
    return result


def as_json(result: Evaluation) -> dict[str, Any]:
    """The content of eval.json."""
    return {"protocol": result.protocol, "models": result.records, "failures": result.failures}


__all__ = ["EvalOptions", "Evaluation", "as_json", "evaluate"]
