"""Where a training run keeps its generator file and its sample grids: where its config says
(``paths.generator_file``, ``paths.samples_dir``; their defaults in ``conf/paths/default.yaml``), found from the run
folder, which may have moved since (``paths.output_dir`` is taken as the folder)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

HYDRA_CONFIG = ".hydra/config.yaml"  # the training config animegan-train's Hydra app saves in every run


@dataclass(frozen=True)
class RunFiles:
    """The files of a training run that its config names."""

    generator: Path  # the deployed generator (``generator.pt`` by default)
    samples: Path  # the folder of validation sample grids (``samples/`` by default)


def default_paths() -> Any:
    """The package's ``paths`` config group (``conf/paths/default.yaml``), unresolved."""
    from omegaconf import OmegaConf  # deferred: the hub module's plain-dict users need no OmegaConf

    return OmegaConf.create(files("animegan.conf").joinpath("paths", "default.yaml").read_text())


def run_files(run_dir: str | Path, cfg: Any = None) -> RunFiles:
    """The generator file and samples folder of the run in ``run_dir`` as its training config ``cfg`` names them
    (a DictConfig or plain dict; by default the run's saved ``.hydra/config.yaml``, or, for a folder without one,
    the package's default paths); keys ``cfg`` lacks come from the defaults."""
    from omegaconf import DictConfig, OmegaConf  # deferred: as above

    run_dir = Path(run_dir)
    if cfg is None:
        saved = run_dir / HYDRA_CONFIG
        cfg = OmegaConf.load(saved) if saved.is_file() else {}
    plain = OmegaConf.to_container(cfg, resolve=False) if isinstance(cfg, DictConfig) else dict(cfg)
    tree = OmegaConf.merge({"paths": default_paths()}, plain)
    tree.paths.output_dir = str(run_dir)  # the folder as it is now (the saved one may name ${hydra:...})
    return RunFiles(generator=Path(tree.paths.generator_file), samples=Path(tree.paths.samples_dir))
