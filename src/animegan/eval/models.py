"""What an evaluation stylizes with: generator weights (anything ``stylize --weights`` takes) or a baseline
(``photo``: the photos untouched; ``cartoon``: the classical cartoon filter the demo's style set is made with)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from animegan.data.demo.cartoon import cartoonize
from animegan.inference.stylizer import Stylizer

BASELINES = ("photo", "cartoon")


@dataclass
class Model:
    """A label, the image -> image function, and the stylizer (None for a baseline) for the speed columns."""

    label: str
    kind: str  # weights | baseline
    stylize: Callable[[np.ndarray], np.ndarray]
    stylizer: Any = None


def baseline(name: str, seed: int = 0) -> Model:
    """A baseline row: the untouched photo, or the demo's cartoon filter (seeded palette)."""
    if name == "photo":
        return Model("photo (untouched)", "baseline", lambda rgb: rgb.copy())
    if name == "cartoon":
        rng = np.random.default_rng(seed)
        return Model("cartoon filter", "baseline", lambda rgb: cartoonize(rgb, rng))
    raise ValueError(f"unknown baseline {name!r}; expected one of {', '.join(BASELINES)}")


def from_weights(weights: str, device: str, quiet: bool = False) -> Model:
    """A generator from ``weights`` (file or released name), on ``device`` at the default precision."""
    stylizer = Stylizer.from_weights(weights, device=device, quiet=quiet)
    return Model(str(weights), "weights", stylizer, stylizer)
