"""Safe loading and saving of generator weights: our files, our Lightning checkpoints, the PyTorch port's files,
converted TF checkpoints, TF checkpoints themselves and ONNX v1/v2 exports (``load_weights``, the one loader;
``convert_file`` writes any of them as .safetensors). What the weights are is read in ``formats``.

Every load goes through ``torch.load(..., weights_only=True)`` (or safetensors): a pickle that would run code is
refused with one line, and nothing in it is executed. A ``.safetensors`` file records the generator's config
(architecture, upsampling mode, norm epsilon) in its metadata (``animegan.*`` keys) and is rebuilt with it; files
without that metadata (the port's ``.pt`` files, our training's ``generator.pt``) get the architecture's defaults.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from animegan.atomic import atomic_write
from animegan.errors import WeightsError
from animegan.nets.generator import build_generator, deployed
from animegan.weights.convert import convert_checkpoint
from animegan.weights.formats import META, config_from_metadata, deployable_state, detect_arch
from animegan.weights.hub import is_hub_spec, resolve_hub
from animegan.weights.onnx_weights import state_from_onnx
from animegan.weights.tf_checkpoint import checkpoint_prefix

CHECKPOINT_PREFIXES = ("generator.", "module.generator.", "model.generator.")


def _read_file(path: Path) -> tuple[object, dict[str, str]]:
    if not path.exists():
        raise WeightsError(f"{path}: weights file not found")
    if not path.is_file():
        raise WeightsError(f"{path}: is not a file; expected a generator .pt/.ckpt/.safetensors file")
    if path.stat().st_size == 0:
        raise WeightsError(f"{path}: file is empty; expected a generator state dict")
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="pt") as f:
                return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata() or {})  # noqa: SIM118
        except Exception as exc:  # noqa: BLE001 - safetensors raises several types for a bad header
            raise WeightsError(
                f"{path}: not a valid safetensors file ({str(exc).splitlines()[0][:100]})"
            ) from None
    try:
        return torch.load(path, map_location="cpu", weights_only=True), {}
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


def read_generator(
    path: str | Path, expected_arch: str | None = None
) -> tuple[dict[str, torch.Tensor], str, dict[str, object]]:
    """Read a weights file (or ``hf://`` spec) safely; return (state dict, architecture, config from its metadata)."""
    path = resolve_hub(path) if is_hub_spec(path) else Path(path)
    obj, metadata = _read_file(path)
    state = extract_generator_state(obj, origin=str(path))
    recorded = metadata.get(META + "arch")
    if recorded and expected_arch and recorded != expected_arch:
        raise WeightsError(f"{path}: holds an AnimeGAN {recorded} generator, expected {expected_arch}")
    arch = detect_arch(state, origin=str(path), expected=recorded or expected_arch)
    return state, arch, config_from_metadata(metadata, arch, str(path))


def load_generator_state(
    path: str | Path, expected_arch: str | None = None
) -> tuple[dict[str, torch.Tensor], str]:
    """Read a weights file safely; return (state dict, architecture)."""
    state, arch, _ = read_generator(path, expected_arch)
    return state, arch


def build_loaded(state: dict[str, torch.Tensor], arch: str, config: dict[str, object]) -> nn.Module:
    """The deployed generator of ``arch`` and ``config`` in eval mode with ``state`` loaded strict."""
    generator = deployed(build_generator(arch, **config))
    generator.load_state_dict(deployable_state(state, arch), strict=True)
    return generator.eval()


def load_generator(
    path: str | Path, expected_arch: str | None = None, map_location: str | torch.device = "cpu"
) -> nn.Module:
    """A generator in eval mode with the weights of ``path`` loaded strict, built with the file's config."""
    return build_loaded(*read_generator(path, expected_arch)).to(map_location)


def read_weights(source: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """(state dict, config with ``arch``) of any supported weights: a TF1 checkpoint (folder, ``.ckpt`` prefix or
    its ``.index``: converted in memory), an ONNX v1/v2 generator, or a weights file (ours, the port's, a
    Lightning checkpoint, .safetensors), also as ``hf://OWNER/REPO[/FILE][@REV]``."""
    source = resolve_hub(source) if is_hub_spec(source) else Path(source)
    prefix = None if source.is_file() else checkpoint_prefix(source)
    if prefix is not None:
        return convert_checkpoint(prefix)
    if source.suffix.lower() == ".onnx":
        return state_from_onnx(source)
    if source.is_dir():
        raise WeightsError(
            f"{source}: folder holds no TF checkpoint (no 'checkpoint' file or *.index); "
            "expected a weights file, a TF checkpoint folder or a .ckpt prefix"
        )
    state, arch, recorded = read_generator(source)
    return state, {"arch": arch, **recorded}


def load_weights(path: str | Path) -> nn.Module:
    """The generator of any supported weights (see ``read_weights``), on the CPU in eval mode. AnimeGANv3's ONNX
    models have no PyTorch architecture: ONNX Runtime runs them (``inference.runtimes.onnx_runtime``)."""
    state, config = read_weights(path)
    arch = str(config.pop("arch"))
    return build_loaded(state, arch, config)


def convert_file(source: str | Path, output: str | Path) -> tuple[Path, dict[str, object]]:
    """Convert ``source`` (a TF1 checkpoint folder or prefix, an ONNX v1/v2 generator, or any weights file we
    load) into the safetensors file ``output`` with its config recorded; returns (output, config)."""
    source, output = Path(source), Path(output)
    if output.suffix != ".safetensors":
        raise WeightsError(
            f"{output}: expected a .safetensors output (the format that records the generator config)"
        )
    state, config = read_weights(source)
    arch = str(config.pop("arch"))
    full = build_generator(arch, **config).config()  # the architecture's defaults filled in
    save_generator(state, output, config=full, metadata={"animegan.source": source.name})
    return output, full


def save_generator(
    generator: nn.Module | Mapping[str, torch.Tensor],
    path: str | Path,
    config: Mapping[str, object] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Save the deployed generator's plain state dict (CPU tensors; v3 without its support tail) atomically;
    ``.safetensors`` or torch format by suffix.

    ``.safetensors`` files record the config (the module's, or ``config``) and ``metadata`` (``animegan.*``
    provenance); a config other than the architecture's default can only be saved there.
    """
    state = deployed(generator).state_dict() if isinstance(generator, nn.Module) else dict(generator)
    state = {k: v.detach().to("cpu").contiguous() for k, v in state.items()}
    arch = detect_arch(state, origin=str(path))
    state = deployable_state(state, arch)
    if config is None:
        config = generator.config() if isinstance(generator, nn.Module) else {"arch": arch}
    config = {k: v for k, v in config.items() if k != "arch"}
    if Path(path).suffix == ".safetensors":
        from safetensors.torch import save_file

        recorded = build_generator(arch, **config).config()
        meta = {f"{META}{k}": str(v) for k, v in recorded.items()} | dict(metadata or {})
        return atomic_write(path, lambda tmp: save_file(state, str(tmp), metadata=meta))
    if build_generator(arch, **config).config() != build_generator(arch).config():
        raise WeightsError(
            f"{path}: this {arch} generator's config {config} can only be recorded in a .safetensors file; "
            "save it as .safetensors"
        )
    return atomic_write(path, lambda tmp: torch.save(state, tmp))
