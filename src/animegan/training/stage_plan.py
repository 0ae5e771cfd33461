"""The stage plan of a run: which stages to fit, and the checkpoint each resumes from (read by the preflight
checks and by ``train``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from omegaconf import DictConfig

from animegan.errors import WeightsError
from animegan.training.phases import STAGES


@dataclass(frozen=True)
class StagePlan:
    """A stage to fit, and the checkpoint it resumes from (None: a fresh start)."""

    stage: str
    ckpt_path: Path | None = None


def checkpoint_stage(path: Path) -> str:
    """The stage a Lightning checkpoint of ours was saved in (read with weights_only=True)."""
    if not path.is_file():
        raise WeightsError(f"{path}: checkpoint not found; expected RUN/checkpoints/<stage>/last.ckpt")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file means the same to the user
        raise WeightsError(f"{path}: not a loadable checkpoint ({type(exc).__name__})") from None
    stage = checkpoint.get("animegan_stage") if isinstance(checkpoint, dict) else None
    if stage not in STAGES:
        raise WeightsError(f"{path}: not an animegan training checkpoint (no stage recorded)")
    return stage


def plan_stages(cfg: DictConfig, run_dir: Path) -> list[StagePlan]:
    """Which stages to fit, and from where: a given checkpoint, the run dir's last checkpoints, or scratch."""
    epochs = cfg.model.stages
    fresh = [StagePlan("adversarial")] if epochs.adversarial_epochs > 0 else []
    if cfg.get("ckpt_path"):
        path = Path(cfg.ckpt_path)
        stage = checkpoint_stage(path)
        return [StagePlan(stage, path)] + (fresh if stage == "pretrain" else [])
    if cfg.get("resume"):
        for stage in reversed(STAGES):
            last = run_dir / "checkpoints" / stage / "last.ckpt"
            if last.is_file():
                checkpoint_stage(last)  # readable, and ours: a corrupt one stops here, touching nothing
                return [StagePlan(stage, last)] + (fresh if stage == "pretrain" else [])
        if str(cfg.resume) != "auto":  # resume=auto (a requeued job): a fresh start when there is nothing yet
            raise WeightsError(
                f"nothing to resume in {run_dir} (no checkpoints/<stage>/last.ckpt); "
                "expected hydra.run.dir=RUN_DIR of an earlier run"
            )
    pretrain = [StagePlan("pretrain")] if epochs.pretrain_epochs > 0 and not cfg.get("init_generator") else []
    return pretrain + fresh
