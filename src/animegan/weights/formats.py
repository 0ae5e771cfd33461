"""What a set of generator weights is: its architecture (keys and shapes against freshly built generators), its
config (recorded in a file's ``animegan.*`` metadata) and, for ONNX graphs, whether it is an AnimeGANv3 model.

The one module that ``io`` (our files), ``convert`` (TF checkpoints), ``onnx_weights`` (ONNX v1/v2 exports) and the
ONNX runtime read to recognise what they hold.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from animegan.errors import WeightsError
from animegan.nets.generator import GENERATORS, build_generator, deployed

ONNX_INSTALL_HINT = "pip install 'animegan[onnx]'"
# AnimeGANv3's tensor names: input ``AnimeGANv3_input:0``, output ``generator_1/main/out_layer:0``, or
# ``generator_main_out_layer`` in the face models
V3_ONNX_NAMES = ("animeganv3_input", "generator_1/main/out_layer", "generator_main_out_layer")
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


def onnx_family(tensor_names: list[str]) -> str:
    """``v3`` for an ONNX graph with AnimeGANv3's input or output names, else ``generic`` (v1/v2 exports)."""
    names = " ".join(tensor_names).lower()
    return "v3" if any(n in names for n in V3_ONNX_NAMES) else "generic"
