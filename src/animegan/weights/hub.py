"""``hf://OWNER/REPO[/FILE][@REVISION]``: generator weights on the Hugging Face Hub, fetched into a local path.

``huggingface_hub`` does the fetching, so its cache (``$HF_HOME``/``$HF_HUB_CACHE``), revision pinning, token
(``HF_TOKEN`` or ``hf auth login``), endpoint (``HF_ENDPOINT``), offline mode (``HF_HUB_OFFLINE=1``) and timeouts
(``HF_HUB_ETAG_TIMEOUT``, ``HF_HUB_DOWNLOAD_TIMEOUT``) all apply. The returned path is then loaded by the same safe
loader as any local file (``weights.io``, ONNX Runtime for ``.onnx``).

Without FILE, the repository says which file holds the weights: ``config.json``'s ``weights`` key (what ``animegan
push`` uploads), else the model card's ``weights`` metadata, else its only weights file; otherwise one line lists
the candidates. Every failure is one ``WeightsError``/``DownloadError`` line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TypeVar

from animegan.errors import DownloadError, WeightsError

SCHEME = "hf://"
WEIGHTS_KEY = "weights"  # config.json / model card metadata: the file that holds the generator
SAFE_SUFFIXES = (".safetensors", ".pt", ".pth", ".ckpt", ".onnx")  # loaded safely (weights_only / no pickle)
TF_SUFFIXES = (".index", ".data-00000-of-00001")  # a TF1 checkpoint's files, fetched together by prefix
T = TypeVar("T")


@dataclass(frozen=True)
class HubRef:
    """A parsed ``hf://`` spec: the model repository, a file inside it (or None) and a revision (or None)."""

    repo: str
    file: str | None = None
    revision: str | None = None

    def __str__(self) -> str:
        tail = f"/{self.file}" if self.file else ""
        return f"{SCHEME}{self.repo}{tail}" + (f"@{self.revision}" if self.revision else "")


def is_hub_spec(spec: object) -> bool:
    """True for a string spec starting with ``hf://``."""
    return isinstance(spec, str) and spec.startswith(SCHEME)


def parse(spec: str) -> HubRef:
    """``hf://OWNER/REPO[/FILE][@REVISION]`` -> ``HubRef``; one line naming the expected form otherwise."""
    body = spec[len(SCHEME) :] if spec.startswith(SCHEME) else spec
    body, _, revision = body.partition("@")
    parts = [p for p in body.split("/") if p]
    if len(parts) < 2 or (_ and not revision) or any(p in (".", "..") for p in parts):
        raise WeightsError(f"{spec}: not a Hub weights spec; expected hf://OWNER/REPO[/FILE][@REVISION]")
    return HubRef("/".join(parts[:2]), "/".join(parts[2:]) or None, revision or None)


def _hub_call(ref: HubRef, call: Callable[[], T]) -> T:
    """Run one ``huggingface_hub`` call; its errors become one line naming ``ref``."""
    from huggingface_hub import errors  # deferred: only hf:// specs need huggingface_hub

    try:
        return call()
    except errors.GatedRepoError:
        raise WeightsError(
            f"{ref}: gated repository; accept its terms on the Hub and log in (hf auth login or HF_TOKEN)"
        ) from None
    except errors.RepositoryNotFoundError:
        raise WeightsError(
            f"{ref}: repository not found (or private: log in with hf auth login or HF_TOKEN)"
        ) from None
    except errors.RevisionNotFoundError:
        raise WeightsError(f"{ref}: revision {ref.revision!r} not found in {ref.repo}") from None
    except errors.LocalEntryNotFoundError:
        raise DownloadError(
            f"{ref}: not in the Hugging Face cache and the Hub cannot be reached (offline: HF_HUB_OFFLINE=1, "
            "or no network); run once online to cache it"
        ) from None
    except errors.EntryNotFoundError:
        raise WeightsError(f"{ref}: no such file in {ref.repo}") from None
    except (errors.OfflineModeIsEnabled, errors.HfHubHTTPError, OSError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise DownloadError(f"{ref}: Hub request failed ({first})") from None


def _offline() -> bool:
    from huggingface_hub import constants  # deferred: only hf:// specs need huggingface_hub

    is_offline = getattr(constants, "is_offline_mode", None)  # newer releases; older: the constant
    return bool(is_offline() if is_offline else constants.HF_HUB_OFFLINE)


def _listing(ref: HubRef) -> list[str]:
    """The repository's files at the revision: from the Hub, or from the cached snapshot offline."""
    from huggingface_hub import HfApi, snapshot_download  # deferred: only hf:// specs need huggingface_hub

    if _offline():
        folder = Path(
            _hub_call(ref, lambda: snapshot_download(ref.repo, revision=ref.revision, local_files_only=True))
        )
        names = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
        return sorted(names)
    info = _hub_call(ref, lambda: HfApi().model_info(ref.repo, revision=ref.revision))
    return sorted(s.rfilename for s in info.siblings or [])


def _download(ref: HubRef, name: str) -> Path:
    from huggingface_hub import hf_hub_download  # deferred: only hf:// specs need huggingface_hub

    return Path(_hub_call(ref, lambda: hf_hub_download(ref.repo, name, revision=ref.revision)))


def _named_in(ref: HubRef, names: list[str]) -> str | None:
    """The weights file that config.json (``weights``) or the model card's metadata names, if any."""
    if "config.json" in names:
        try:
            named = json.loads(_download(ref, "config.json").read_text()).get(WEIGHTS_KEY)
        except (ValueError, AttributeError):
            named = None
        if isinstance(named, str) and named:
            return named
    if "README.md" in names:
        from huggingface_hub import metadata_load  # deferred: only hf:// specs need huggingface_hub

        card = _download(ref, "README.md")
        try:
            named = (metadata_load(card) or {}).get(WEIGHTS_KEY)
        except Exception:  # noqa: BLE001 - a card with broken YAML names nothing; the candidates are listed
            named = None
        if isinstance(named, str) and named:
            return named
    return None


def _candidates(names: list[str]) -> list[str]:
    """Files that could hold generator weights (TF checkpoints by prefix)."""
    picked = [n for n in names if n.lower().endswith(SAFE_SUFFIXES)]
    return picked + [n[: -len(".index")] for n in names if n.endswith(".index")]


def choose_file(ref: HubRef) -> HubRef:
    """``ref`` with its FILE filled in, or one line listing the candidates."""
    names = _listing(ref)
    named = _named_in(ref, names)
    if named:
        return replace(ref, file=named)
    candidates = _candidates(names)
    if len(candidates) == 1:
        return replace(ref, file=candidates[0])
    listed = ", ".join(candidates[:12]) + (" ..." if len(candidates) > 12 else "") if candidates else "none"
    raise WeightsError(
        f"{ref}: config.json and the model card name no weights file; candidates: {listed}; "
        f"pass {SCHEME}{ref.repo}/FILE"
    )


def check_safe(ref: HubRef) -> None:
    """Refuse, before any download, a FILE in a format that is not loaded safely (pickles such as .bin, .pkl)."""
    name = PurePosixPath(ref.file or "").name.lower()
    if name.endswith(SAFE_SUFFIXES + TF_SUFFIXES) or "." not in name or name.endswith(".ckpt"):
        return
    raise WeightsError(
        f"{ref}: refused: {PurePosixPath(name).suffix} is not a format animegan loads safely; expected "
        f"{', '.join(SAFE_SUFFIXES)} or a TF checkpoint prefix"
    )


def _fetch_checkpoint(ref: HubRef) -> Path:
    """A Lightning ``.ckpt`` file, or a TF1 checkpoint (``prefix.index`` + data, or a folder) with all its files;
    returns the local file, prefix or folder."""
    names, file = _listing(ref), str(ref.file)
    if file in names:
        return _download(ref, file)
    prefix = next((file[: -len(s)] for s in TF_SUFFIXES if file.endswith(s)), file)
    members = [n for n in names if n.startswith((f"{prefix}.", f"{prefix}/"))]
    if not members:
        raise WeightsError(f"{ref}: no such file, folder or TF checkpoint prefix in {ref.repo}")
    local = [_download(ref, name) for name in members][0]
    root = local.parents[len(PurePosixPath(members[0]).parts) - 1]  # the snapshot folder of the commit
    return root / prefix


def resolve_hub(spec: str) -> Path:
    """The local path (in the Hugging Face cache) of the weights ``spec`` names."""
    ref = parse(spec)
    if ref.file is None:
        ref = choose_file(ref)
    check_safe(ref)
    name = PurePosixPath(str(ref.file)).name.lower()
    if name.endswith(SAFE_SUFFIXES) and not name.endswith(".ckpt"):
        return _download(ref, str(ref.file))
    return _fetch_checkpoint(ref)
