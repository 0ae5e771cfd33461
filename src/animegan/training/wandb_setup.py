"""wandb without surprises: offline when no credentials are found, never a login prompt, files in the run dir."""

from __future__ import annotations

import netrc
import os
import urllib.request
from pathlib import Path

from omegaconf import DictConfig

from animegan.errors import AnimeGANError

WANDB_HOST = "api.wandb.ai"


def has_wandb_credentials() -> bool:
    """An API key in the environment or a netrc entry for wandb's host."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        return netrc.netrc().authenticators(WANDB_HOST) is not None
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False


def uses_wandb(cfg: DictConfig) -> bool:
    loggers = cfg.get("logger") or {}
    return any(node is not None and "Wandb" in str(node.get("_target_", "")) for node in loggers.values())


def check_wandb(cfg: DictConfig) -> None:
    """WANDB_MODE=online without credentials would prompt or wait: say so instead (unset: offline by itself)."""
    if uses_wandb(cfg) and os.environ.get("WANDB_MODE") == "online" and not has_wandb_credentials():
        raise AnimeGANError(
            "WANDB_MODE=online but no wandb credentials (WANDB_API_KEY or ~/.netrc); run `wandb login`, "
            "unset WANDB_MODE to log offline, or choose logger=csv|tensorboard|none"
        )


def prepare_wandb(cfg: DictConfig) -> bool:
    """Switch wandb to offline mode when it has no credentials (unless WANDB_MODE is set); True if used."""
    if not uses_wandb(cfg):
        return False
    if not os.environ.get("WANDB_MODE") and not has_wandb_credentials():
        os.environ["WANDB_MODE"] = "offline"
        print("wandb: no credentials found (WANDB_API_KEY or ~/.netrc): logging offline")
    timeout = cfg.get("wandb_timeout_s")
    if timeout and os.environ.get("WANDB_MODE", "online") == "online" and not wandb_reachable(float(timeout)):
        os.environ["WANDB_MODE"] = "offline"
        print(f"wandb: {wandb_url()} did not answer within {timeout} s: logging offline")
    if timeout:
        os.environ.setdefault("WANDB_INIT_TIMEOUT", str(timeout))  # wandb.init's own bound
    os.environ.setdefault("WANDB_DIR", str(cfg.paths.output_dir))
    return True


def wandb_url() -> str:
    """The wandb server in use (WANDB_BASE_URL or the public one)."""
    return os.environ.get("WANDB_BASE_URL") or f"https://{WANDB_HOST}"


def wandb_reachable(timeout: float) -> bool:
    """True when the wandb server answers any HTTP response within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(wandb_url(), timeout=timeout):  # noqa: S310 - http(s) URL from config/env
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except (OSError, ValueError):
        return False


def sync_hint(run_dir: Path) -> str:
    """How to upload an offline run later."""
    if os.environ.get("WANDB_MODE") in ("offline", "dryrun"):
        return f"wandb: offline run under {run_dir / 'wandb'}; upload it with: wandb sync {run_dir / 'wandb'}/offline-run-*"
    return f"wandb: run files under {run_dir / 'wandb'}"
