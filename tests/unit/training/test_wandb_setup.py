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


def test_online_mode_without_credentials_is_refused_before_the_run(
    cfg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from animegan.errors import AnimeGANError
    from animegan.training.wandb_setup import check_wandb

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("WANDB_MODE", "online")
    with pytest.raises(AnimeGANError, match="WANDB_MODE=online but no wandb credentials"):
        check_wandb(cfg("logger=wandb"))
    check_wandb(cfg("logger=csv"))
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    check_wandb(cfg("logger=wandb"))  # credentials: wandb may go online
    monkeypatch.delenv("WANDB_API_KEY")
    monkeypatch.delenv("WANDB_MODE")
    check_wandb(cfg("logger=wandb"))  # unset: prepare_wandb goes offline by itself
