"""Safe loading and saving of generator weights: our files, our Lightning checkpoints, the PyTorch port's files.

Every load goes through ``torch.load(..., weights_only=True)`` (or safetensors): a pickle that would run code is
refused with one line, and nothing in it is executed.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from animegan.atomic import atomic_write
from animegan.errors import WeightsError
from animegan.nets.generator import GENERATORS, build_generator, deployed

CHECKPOINT_PREFIXES = ("generator.", "module.generator.", "model.generator.")
_reference_shapes: dict[str, dict[str, torch.Size]] = {}
_training_keys: dict[str, set[str]] = {}


def reference_shapes(arch: str) -> dict[str, torch.Size]:
    """Key -> shape of a freshly built, deployed generator of ``arch`` (cached): what a weights file holds."""
    if arch not in _reference_shapes:
        _reference_shapes[arch] = {
            k: v.shape for k, v in deployed(build_generator(arch)).state_dict().items()
        }
    return _reference_shapes[arch]


def training_only_keys(arch: str) -> set[str]:
    """Keys the training generator of ``arch`` has beyond the deployed one (v3: the support tail), cached."""
    if arch not in _training_keys:
        _training_keys[arch] = set(build_generator(arch).state_dict()) - set(reference_shapes(arch))
    return _training_keys[arch]


def deployable_state(state: Mapping[str, torch.Tensor], arch: str) -> dict[str, torch.Tensor]:
    """``state`` without the training-only tensors of ``arch`` (a v3 checkpoint's support tail)."""
    extra = training_only_keys(arch)
    return {k: v for k, v in state.items() if k not in extra}


def _read_file(path: Path) -> object:
    if not path.exists():
        raise WeightsError(f"{path}: weights file not found")
    if not path.is_file():
        raise WeightsError(f"{path}: is not a file; expected a generator .pt/.ckpt/.safetensors file")
    if path.stat().st_size == 0:
        raise WeightsError(f"{path}: file is empty; expected a generator state dict")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except Exception as exc:  # noqa: BLE001 - safetensors raises several types for a bad header
            raise WeightsError(
                f"{path}: not a valid safetensors file ({str(exc).splitlines()[0][:100]})"
            ) from None
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0][:160]
        raise WeightsError(
            f"{path}: refused: the file holds objects that would run code when unpickled ({first}); "
            "expected a plain state dict of tensors"
        ) from None
    except Exception as exc:  # noqa: BLE001 - a damaged file can fail in many ways inside torch.load
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise WeightsError(
            f"{path}: truncated or not a PyTorch file ({first}); expected a generator state dict"
        ) from None


def extract_generator_state(obj: object, origin: str = "weights") -> dict[str, torch.Tensor]:
    """The generator's tensors out of a plain state dict or a Lightning checkpoint of our module."""
    if not isinstance(obj, Mapping):
        raise WeightsError(
            f"{origin}: holds a {type(obj).__name__}, expected a state dict (a mapping of name -> tensor)"
        )
    if "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        inner = obj["state_dict"]
        for prefix in CHECKPOINT_PREFIXES:
            picked = {k[len(prefix) :]: v for k, v in inner.items() if k.startswith(prefix)}
            if picked:
                return picked
        raise WeightsError(
            f"{origin}: a checkpoint without generator weights (no key starts with 'generator.')"
        )
    state = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if not state:
        raise WeightsError(f"{origin}: holds no tensors; expected a generator state dict")
    if len(state) != len(obj):
        odd = next(k for k, v in obj.items() if not isinstance(v, torch.Tensor))
        raise WeightsError(f"{origin}: entry {odd!r} is not a tensor; expected a generator state dict")
    return state


def mismatches(state: Mapping[str, torch.Tensor], arch: str, limit: int = 3) -> list[str]:
    """Human-readable differences between ``state`` and the ``arch`` generator (first ``limit`` of them)."""
    expected = reference_shapes(arch)
    problems = [f"missing {k}" for k in expected if k not in state]
    problems += [f"unexpected {k}" for k in state if k not in expected]
    problems += [
        f"{k} has shape {tuple(state[k].shape)}, expected {tuple(shape)}"
        for k, shape in expected.items()
        if k in state and state[k].shape != shape
    ]
    return problems[:limit]


def detect_arch(
    state: Mapping[str, torch.Tensor], origin: str = "weights", expected: str | None = None
) -> str:
    """The generator architecture whose keys and shapes match ``state`` exactly; a clear error otherwise."""
    candidates = [expected] if expected else list(GENERATORS)
    for arch in candidates:
        if not mismatches(deployable_state(state, arch), arch, limit=1):
            return arch
    closest = expected or max(GENERATORS, key=lambda a: len(set(state) & set(reference_shapes(a))))
    if (
        not expected
        and len(set(state) & set(reference_shapes(closest))) < len(reference_shapes(closest)) // 2
    ):
        sample = ", ".join(list(state)[:3])
        raise WeightsError(
            f"{origin}: not an AnimeGAN generator (keys such as {sample} match neither "
            f"{' nor '.join(GENERATORS)}); expected a {' or '.join(GENERATORS)} generator state dict"
        )
    details = "; ".join(mismatches(deployable_state(state, closest), closest))
    raise WeightsError(
        f"{origin}: not an AnimeGAN {closest} generator ({details}); expected a {closest} generator state dict"
    )


def load_generator_state(
    path: str | Path, expected_arch: str | None = None
) -> tuple[dict[str, torch.Tensor], str]:
    """Read a weights file safely; return (state dict, architecture)."""
    path = Path(path)
    state = extract_generator_state(_read_file(path), origin=str(path))
    return state, detect_arch(state, origin=str(path), expected=expected_arch)


def load_generator(
    path: str | Path, expected_arch: str | None = None, map_location: str | torch.device = "cpu"
) -> nn.Module:
    """The deployed generator in eval mode with the weights of ``path`` loaded strict."""
    state, arch = load_generator_state(path, expected_arch)
    generator = deployed(build_generator(arch))
    generator.load_state_dict(deployable_state(state, arch), strict=True)
    return generator.to(map_location).eval()


def save_generator(generator: nn.Module | Mapping[str, torch.Tensor], path: str | Path) -> Path:
    """Save the deployed generator's plain state dict (CPU tensors) atomically (v3: without the support tail);
    ``.safetensors`` or torch format by suffix."""
    state = deployed(generator).state_dict() if isinstance(generator, nn.Module) else dict(generator)
    state = {k: v.detach().to("cpu").contiguous() for k, v in state.items()}
    arch = detect_arch(state, origin=str(path))
    state = deployable_state(state, arch)
    if Path(path).suffix == ".safetensors":
        from safetensors.torch import save_file

        return atomic_write(path, lambda tmp: save_file(state, str(tmp)))
    return atomic_write(path, lambda tmp: torch.save(state, tmp))
