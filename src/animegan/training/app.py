"""``animegan-train``: the Hydra app. Composes the run, then one ``trainer.fit`` per stage in one call.

animegan-train experiment=hayao data.root=DIR
animegan-train experiment=demo
animegan-train hydra.run.dir=RUN resume=true       # continue a run in its stage, at its step
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import hydra
from omegaconf import DictConfig

from animegan.errors import AnimeGANError

# Library messages that say nothing to a user of this app: the frozen VGG is in eval mode on purpose, and
# Lightning's own use of a deprecated torch pytree API is not theirs to fix.
KNOWN_NOISE = (r"Found \d+ module\(s\) in eval mode", r"`isinstance\(treespec, LeafSpec\)` is deprecated")


def silence_known_noise() -> None:
    """Hide the library warnings of ``KNOWN_NOISE`` (every other warning still shows)."""
    for message in KNOWN_NOISE:
        warnings.filterwarnings("ignore", message=message)


@hydra.main(version_base="1.3", config_path="pkg://animegan.conf", config_name="train")
def main(cfg: DictConfig) -> float | None:
    """Entry point of the console script; one line on stderr and exit 1 for errors a user can fix."""
    # deferred: torch and Lightning load after Hydra has parsed the command line (--help, --cfg stay fast)
    from animegan.training.preemption import stop_on_signals
    from animegan.training.preflight import PROG, unwrap_instantiation_error
    from animegan.training.runner import train

    silence_known_noise()
    try:
        with stop_on_signals(
            lambda: Path(cfg.paths.output_dir)
        ):  # SIGTERM/INT/USR1: checkpoint, one line, 128+N
            return train(cfg)
    except Exception as error:  # noqa: BLE001 - ours (also inside Hydra's wrapper) become one line
        cause = unwrap_instantiation_error(error)
        if not isinstance(cause, AnimeGANError):
            raise
        print(f"{PROG}: error: {cause}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
