"""The settings of ``animegan eval`` (light: the CLI reads its defaults from here without importing torch)."""

from __future__ import annotations

from dataclasses import dataclass, field

from animegan.data.image_side import IMAGE_SIDE


@dataclass
class EvalOptions:
    """Every setting of an evaluation, with its default (the CLI's defaults come from here)."""

    size: int = IMAGE_SIDE  # photos and style images are centre-cropped and resized to size x size
    hr: bool = False  # also the latency at 1920x1080
    limit: int | None = None  # at most this many images per set
    kid_subset: int = 100  # images per KID subset (each set needs at least this many)
    kid_subsets: int = 100  # KID subsets (mean and std over them)
    device: str = "auto"
    save_features: bool = False
    grid_photos: int = 4  # photos in eval.png's grid
    latency_repeats: int = 3
    baselines: list[str] = field(default_factory=list)
    quiet: bool = False
