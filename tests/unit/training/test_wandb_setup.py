"""wandb without surprises: offline without credentials, an explicit WANDB_MODE kept, files in the run dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from animegan.training.wandb_setup import prepare_wandb


def test_wandb_goes_offline_without_credentials(cfg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NETRC", str(home / "none"))
    for name in ("WANDB_MODE", "WANDB_API_KEY", "WANDB_DIR"):
        monkeypatch.delenv(name, raising=False)
    composed = cfg("logger=wandb")
    assert prepare_wandb(composed) is True
    assert os.environ["WANDB_MODE"] == "offline" and os.environ["WANDB_DIR"] == str(tmp_path)
    monkeypatch.setenv("WANDB_MODE", "disabled")
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    assert (
        prepare_wandb(composed) is True and os.environ["WANDB_MODE"] == "disabled"
    )  # an explicit mode is kept
    assert prepare_wandb(cfg("logger=csv")) is False
    assert OmegaConf.select(composed, "logger.wandb.save_dir") == str(tmp_path)
