"""``animegan push RUN OWNER/REPO``: upload a run's Hub folder with ``huggingface_hub`` (token from its usual
place: ``HF_TOKEN`` or ``hf auth login``; endpoint ``HF_ENDPOINT``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from animegan.atomic import atomic_write
from animegan.errors import AnimeGANError, InputError
from animegan.hub.card import REPO_PLACEHOLDER
from animegan.hub.folder import CARD_FILE, ensure_hub_folder


@dataclass(frozen=True)
class Pushed:
    """Where the folder went: the repository, the branch (None: main), the commit URL."""

    folder: Path
    repo: str
    revision: str | None
    url: str


def _check_repo(repo: str) -> None:
    parts = repo.split("/")
    if len(parts) != 2 or not all(parts) or repo.startswith("hf://"):
        raise InputError(f"{repo}: expected a Hub repository id OWNER/REPO (without hf://)")


def name_repo(card: Path, repo: str) -> None:
    """Put the repository id into the card's usage lines (written as ``OWNER/REPO`` before the repo was known)."""
    text = card.read_text()
    if REPO_PLACEHOLDER in text:
        atomic_write(card, lambda p: p.write_text(text.replace(REPO_PLACEHOLDER, repo)))


def push(
    run_dir: str | Path,
    repo: str,
    private: bool = False,
    revision: str | None = None,
    api: Any = None,
) -> Pushed:
    """Create ``repo`` if needed (``private`` then), the branch ``revision`` if given, and upload the run's Hub
    folder to it in one commit. ``api``: an ``HfApi`` (default: a new one)."""
    _check_repo(repo)
    folder = ensure_hub_folder(run_dir)
    name_repo(folder / CARD_FILE, repo)
    from huggingface_hub import HfApi, errors  # deferred: only push and hf:// specs need huggingface_hub

    api = api or HfApi()
    try:
        api.create_repo(repo, repo_type="model", private=private, exist_ok=True)
        if revision:
            api.create_branch(repo, branch=revision, repo_type="model", exist_ok=True)
        commit = api.upload_folder(
            repo_id=repo,
            folder_path=str(folder),
            repo_type="model",
            revision=revision,
            commit_message=f"animegan push {Path(run_dir).resolve().name}",
        )
    except errors.LocalTokenNotFoundError:
        raise AnimeGANError(
            f"{repo}: not logged in to the Hub; run `hf auth login` or set HF_TOKEN"
        ) from None
    except (errors.HfHubHTTPError, OSError, ValueError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise AnimeGANError(f"{repo}: push failed ({first})") from None
    return Pushed(folder, repo, revision, str(getattr(commit, "commit_url", commit)))
