"""Safe loading and saving of generator weights: our files, our Lightning checkpoints, the PyTorch port's files,
converted TF checkpoints, TF checkpoints themselves and ONNX generators (``load_weights``, the one loader).

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
from animegan.nets.generator import GENERATORS, build_generator, deployed

CHECKPOINT_PREFIXES = ("generator.", "module.generator.", "model.generator.")
META = "animegan."  # safetensors metadata keys: animegan.arch, animegan.upsample, animegan.norm_eps, ...
CONFIG_KEYS = {"upsample": str, "norm_eps": float, "eval_norm": str}
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


def config_from_metadata(metadata: dict[str, str], arch: str, origin: str) -> dict[str, object]:
    """The generator config a file's metadata records (empty: the architecture's defaults)."""
    config: dict[str, object] = {}
    for key, kind in CONFIG_KEYS.items():
        if META + key in metadata:
            try:
                config[key] = kind(metadata[META + key])
            except ValueError:
                raise WeightsError(f"{origin}: bad metadata {META}{key}={metadata[META + key]!r}") from None
    try:
        build_generator(arch, **config)
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"{origin}: metadata names an unusable {arch} config ({exc})") from None
    return config


def read_generator(
    path: str | Path, expected_arch: str | None = None
) -> tuple[dict[str, torch.Tensor], str, dict[str, object]]:
    """Read a weights file safely; return (state dict, architecture, config from its metadata)."""
    path = Path(path)
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


def load_weights(path: str | Path, device: str = "cpu"):
    """The generator of any supported weights: a weights file (ours, the port's, a Lightning checkpoint,
    .safetensors), a TF1 checkpoint (folder, ``.ckpt`` prefix or its ``.index``: converted in memory) or an
    ``.onnx`` generator (an ``OnnxGenerator`` whose ONNX Runtime providers follow ``device``). Torch generators
    are returned on the CPU in eval mode."""
    path = Path(path)
    if path.suffix.lower() == ".onnx":
        from animegan.inference.runtimes.onnx_runtime import OnnxGenerator

        return OnnxGenerator(path, device=device)
    if not path.is_file():
        from animegan.weights.tf_checkpoint import checkpoint_prefix

        prefix = checkpoint_prefix(path)
        if prefix is not None:
            from animegan.weights.convert import convert_checkpoint

            state, config = convert_checkpoint(prefix)
            return build_loaded(state, str(config.pop("arch")), config)
        if path.is_dir():
            raise WeightsError(
                f"{path}: folder holds no TF checkpoint (no 'checkpoint' file or *.index); "
                "expected a weights file, a TF checkpoint folder or a .ckpt prefix"
            )
    return load_generator(path)


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
