"""The DataModule's arguments as ``conf/data/default.yaml`` gives them (its defaults live there only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import animegan.conf
from omegaconf import OmegaConf

from animegan.data.datamodule import AnimeGANDataModule

CONF_DIR = Path(animegan.conf.__file__).parent


def data_defaults() -> dict[str, Any]:
    """``conf/data/default.yaml`` without its target, root, style and the interpolated seed (0 here)."""
    node = OmegaConf.to_container(OmegaConf.load(CONF_DIR / "data" / "default.yaml"))
    assert isinstance(node, dict)
    skipped = {"_target_", "root", "style", "seed"}
    return {k: v for k, v in node.items() if k not in skipped} | {"seed": 0}


def datamodule(root: str | Path, style: str, **overrides: Any) -> AnimeGANDataModule:
    """An AnimeGANDataModule of ``root``/``style`` with the config's defaults, ``overrides`` on top."""
    return AnimeGANDataModule(str(root), style, **(data_defaults() | overrides))
