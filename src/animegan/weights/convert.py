"""TF1 AnimeGAN checkpoints (v1 and v2) -> our generator state dicts, without TensorFlow.

The TF variable names are those ``net/generator.py`` of each TF repository builds (``tf.contrib.layers`` numbers
repeated layers in a scope ``Conv``, ``Conv_1``, ...; the norms likewise):

- v2 (AnimeGANv2): ``generator/G_MODEL/{A,B,C,D,E}/Conv[_i]/weights`` + ``LayerNorm[_i]/{gamma,beta}``; inverted
  residual blocks ``C/r{1..4}/{Conv/weights, LayerNorm, r{k}/w, r{k}/bias, 1, Conv_1/weights, 2}``;
  ``out_layer/Conv/weights``.
- v1 (AnimeGAN): ``generator/G_MODEL/{b1,b2,m,u2,u1}/Conv[_i]/weights`` + ``InstanceNorm[_i]/{gamma,beta}``;
  ``SeparableConv2d[_i]/{depthwise_weights, pointwise_weights, InstanceNorm/{gamma,beta}}`` numbered in creation
  order (in b1 and b2 the strided one before the resize branch's); blocks ``m/r{1..8}/{Conv/weights,
  InstanceNorm, r{k}/w, 1, Conv_1/weights, 2}`` (no biases anywhere); the output conv ``G_MODEL/Conv/weights``.

Kernels are [kh, kw, in, out] (depthwise [kh, kw, C, 1]); ours are [out, in, kh, kw] ([C, 1, kh, kw]).
Training checkpoints also hold Adam slots, discriminator variables and counters: they are ignored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from animegan.errors import WeightsError
from animegan.nets.generator import TF_V2
from animegan.weights.formats import reference_shapes
from animegan.weights.tf_checkpoint import TFCheckpoint

ROOT = "generator/G_MODEL/"
SLOT_SUFFIXES = ("/Adam", "/Adam_1", "/ExponentialMovingAverage")
Mapping = dict[str, tuple[str, str]]  # our key -> (TF variable name, kind: conv | depthwise | vector)
TF_CONFIGS = {"v2": TF_V2, "v1": {"upsample": "tf1"}}


def _numbered(base: str, i: int) -> str:
    return base if i == 0 else f"{base}_{i}"


def _norm(ours: str, scope: str) -> Mapping:
    return {f"{ours}.weight": (f"{scope}/gamma", "vector"), f"{ours}.bias": (f"{scope}/beta", "vector")}


def _cnl(ours: str, scope: str, i: int, norm: str) -> Mapping:
    """A conv-norm-LReLU: our conv at ``ours.1``, its norm at ``ours.2``."""
    return {
        f"{ours}.1.weight": (f"{scope}/{_numbered('Conv', i)}/weights", "conv"),
        **_norm(f"{ours}.2", f"{scope}/{_numbered(norm, i)}"),
    }


def _inverted_residual(ours: str, scope: str, norm: str, bias: bool) -> Mapping:
    name = scope.rsplit("/", 1)[-1]  # the depthwise conv's own scope repeats the block's name: r1/r1/w
    mapping = {
        **_cnl(f"{ours}.layers.0", scope, 0, norm),
        f"{ours}.layers.1.1.weight": (f"{scope}/{name}/w", "depthwise"),
        **_norm(f"{ours}.layers.1.2", f"{scope}/1"),
        f"{ours}.layers.2.weight": (f"{scope}/Conv_1/weights", "conv"),
        **_norm(f"{ours}.layers.3", f"{scope}/2"),
    }
    if bias:
        mapping[f"{ours}.layers.1.1.bias"] = (f"{scope}/{name}/bias", "vector")
    return mapping


def _separable(ours: str, scope: str, i: int) -> Mapping:
    sep = f"{scope}/{_numbered('SeparableConv2d', i)}"
    return {
        f"{ours}.1.weight": (f"{sep}/depthwise_weights", "depthwise"),
        f"{ours}.2.weight": (f"{sep}/pointwise_weights", "conv"),
        **_norm(f"{ours}.3", f"{sep}/InstanceNorm"),
    }


def v2_mapping() -> Mapping:
    """Our v2 keys (the port's layout) -> AnimeGANv2 TF variable names."""
    m: Mapping = {}
    for block, scope, count in (
        ("block_a", "A", 3),
        ("block_b", "B", 2),
        ("block_d", "D", 2),
        ("block_e", "E", 3),
    ):
        for i in range(count):
            m |= _cnl(f"{block}.{i}", ROOT + scope, i, "LayerNorm")
    m |= _cnl("block_c.0", ROOT + "C", 0, "LayerNorm") | _cnl("block_c.5", ROOT + "C", 1, "LayerNorm")
    for k in range(1, 5):
        m |= _inverted_residual(f"block_c.{k}", f"{ROOT}C/r{k}", "LayerNorm", bias=True)
    m["out_layer.0.weight"] = (f"{ROOT}out_layer/Conv/weights", "conv")
    return m


def v1_mapping() -> Mapping:
    """Our v1 keys -> AnimeGAN (v1) TF variable names."""
    cnl = lambda ours, scope, i: _cnl(ours, ROOT + scope, i, "InstanceNorm")  # noqa: E731
    sep = lambda ours, scope, i: _separable(ours, ROOT + scope, i)  # noqa: E731
    m: Mapping = (
        cnl("b1.0", "b1", 0) | cnl("b1.1", "b1", 1) | sep("b1_down", "b1", 0) | sep("b1_skip", "b1", 1)
    )
    m |= cnl("b2.0", "b2", 0) | sep("b2.1", "b2", 0) | sep("b2_down", "b2", 1) | sep("b2_skip", "b2", 2)
    m |= cnl("middle.0", "m", 0) | cnl("middle.9", "m", 1)
    for k in range(1, 9):
        m |= _inverted_residual(f"middle.{k}", f"{ROOT}m/r{k}", "InstanceNorm", bias=False)
    m |= sep("u2.0", "u2", 0) | sep("u2.1", "u2", 1) | cnl("u2.2", "u2", 0)
    m |= sep("u1.0", "u1", 0) | cnl("u1.1", "u1", 0) | cnl("u1.2", "u1", 1)
    m["out_layer.0.weight"] = (f"{ROOT}Conv/weights", "conv")
    return m


MAPPINGS = {"v2": v2_mapping, "v1": v1_mapping}


def tf_shape(shape: torch.Size, kind: str) -> tuple[int, ...]:
    """The TF variable shape that becomes our ``shape``."""
    if kind == "conv":
        return (shape[2], shape[3], shape[1], shape[0])
    if kind == "depthwise":
        return (shape[2], shape[3], shape[0], 1)
    return tuple(shape)


def to_ours(array: np.ndarray, kind: str) -> torch.Tensor:
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    if kind == "conv":
        tensor = tensor.permute(3, 2, 0, 1)
    elif kind == "depthwise":
        tensor = tensor.permute(2, 3, 0, 1)
    return tensor.contiguous()


def generator_variables(checkpoint: TFCheckpoint) -> list[str]:
    """The generator's own variables in a checkpoint (optimizer slots, discriminator and counters left out)."""
    return [n for n in checkpoint.entries if n.startswith(ROOT) and not n.endswith(SLOT_SUFFIXES)]


def detect_tf_arch(checkpoint: TFCheckpoint) -> str:
    names = generator_variables(checkpoint)
    if any(n.startswith(ROOT + "A/") for n in names):
        return "v2"
    if any(n.startswith(ROOT + "b1/") for n in names):
        return "v1"
    sample = ", ".join(list(checkpoint.entries)[:3]) or "none"
    raise WeightsError(
        f"{checkpoint.prefix}: no AnimeGAN generator variables (found {sample}); "
        "expected names such as generator/G_MODEL/A/Conv/weights (v2) or generator/G_MODEL/b1/Conv/weights (v1)"
    )


def convert_checkpoint(
    source: str | Path | TFCheckpoint,
) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """(state dict, generator config) of a TF1 AnimeGAN v1/v2 checkpoint; every tensor size- and crc-checked."""
    checkpoint = source if isinstance(source, TFCheckpoint) else TFCheckpoint(source)
    arch = detect_tf_arch(checkpoint)
    mapping, expected = MAPPINGS[arch](), reference_shapes(arch)
    used = {name for name, _ in mapping.values()}
    extra = [n for n in generator_variables(checkpoint) if n not in used]
    if extra:
        raise WeightsError(
            f"{checkpoint.prefix}: unexpected generator variable {extra[0]} for AnimeGAN {arch}"
        )
    state: dict[str, torch.Tensor] = {}
    for key, (name, kind) in mapping.items():
        if name not in checkpoint.entries:
            raise WeightsError(f"{checkpoint.prefix}: missing tensor {name} of the AnimeGAN {arch} generator")
        entry, want = checkpoint.entries[name], tf_shape(expected[key], kind)
        if entry.shape != want:
            raise WeightsError(f"{checkpoint.prefix}: tensor {name} has shape {entry.shape}, expected {want}")
        if entry.dtype_code != 1:
            raise WeightsError(
                f"{checkpoint.prefix}: tensor {name} is not float32 (dtype {entry.dtype_code})"
            )
        state[key] = to_ours(checkpoint.read(name), kind)
    return state, {"arch": arch, **TF_CONFIGS[arch]}
