"""Export a generator to ONNX or TorchScript with dynamic height and width, and check parity with eager PyTorch.

The exported model takes float32 NCHW RGB in [-1, 1] (any batch, height and width for v1/v2, multiples of 4
keeping the exact behaviour of the stylizer; v3 needs multiples of 8) and returns the generator's tanh output in
[-1, 1] (v3: the deployed main tail's).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from animegan.atomic import atomic_path
from animegan.errors import AnimeGANError

FORMATS = ("onnx", "torchscript")
PARITY_TOLERANCE = 1e-4
EXAMPLE_SIZE = (64, 96)
CHECK_SIZES = ((64, 96), (100, 72))


def export_torchscript(generator: nn.Module, path: Path) -> None:
    """TorchScript by tracing (sizes are traced as shape ops, so any H and W work; checked at other sizes)."""
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # tracer warnings about shape-derived values: covered by the parity check
        traced = torch.jit.trace(generator.eval(), torch.zeros(1, 3, *EXAMPLE_SIZE), check_trace=False)
    traced.save(str(path))


def export_onnx(generator: nn.Module, path: Path, opset: int = 18) -> None:
    """ONNX with dynamic batch, height and width; the generator's config is recorded in the metadata
    (``animegan.arch``, ``animegan.upsample``, ...) so that ``animegan weights convert`` can rebuild it."""
    example = torch.zeros(1, 3, *EXAMPLE_SIZE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _export_onnx(generator, example, path, opset)
    if hasattr(generator, "config"):
        import onnx

        model = onnx.load(str(path))
        for key, value in generator.config().items():
            model.metadata_props.add(key=f"animegan.{key}", value=str(value))
        onnx.save(model, str(path))


def onnx_bytes(generator: nn.Module, opset: int = 18) -> bytes:
    """``generator`` (fp32, any device) as an ONNX model in memory, dynamic batch, height and width."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _export_onnx(generator, torch.zeros(1, 3, *EXAMPLE_SIZE), buffer, opset)
    return buffer.getvalue()


def _export_onnx(generator: nn.Module, example: torch.Tensor, path: Path | io.BytesIO, opset: int) -> None:
    torch.onnx.export(
        generator.eval(),
        (example,),
        path if isinstance(path, io.BytesIO) else str(path),
        input_names=["image"],
        output_names=["stylized"],
        dynamic_axes={
            "image": {0: "batch", 2: "height", 3: "width"},
            "stylized": {0: "batch", 2: "height", 3: "width"},
        },
        opset_version=opset,
        dynamo=False,
        do_constant_folding=False,  # keeps every parameter under its state-dict name (ONNX Runtime folds at load)
    )


def run_exported(path: Path, fmt: str, x: torch.Tensor) -> np.ndarray:
    """Output of the exported file for ``x`` (onnxruntime for ONNX, torch.jit.load for TorchScript)."""
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    module = torch.jit.load(str(path), map_location="cpu")
    with torch.inference_mode():
        return module(x).numpy()


def round_up(side: int, multiple: int) -> int:
    return -(-side // multiple) * multiple


def max_difference(generator: nn.Module, path: Path, fmt: str, sizes=CHECK_SIZES, seed: int = 0) -> float:
    """Largest absolute difference between eager fp32 and the exported model over random inputs of ``sizes``
    (rounded up to the generator's ``size_multiple`` where it has one)."""
    gen = torch.Generator().manual_seed(seed)
    multiple = int(getattr(generator, "size_multiple", 1))
    worst = 0.0
    for h, w in ((round_up(h, multiple), round_up(w, multiple)) for h, w in sizes):
        x = torch.rand(1, 3, h, w, generator=gen) * 2 - 1
        with torch.inference_mode():
            eager = generator.eval()(x).numpy()
        worst = max(worst, float(np.abs(run_exported(path, fmt, x) - eager).max()))
    return worst


def export(generator: nn.Module, path: str | Path, fmt: str, check: bool = True) -> float | None:
    """Write ``generator`` as ``fmt`` to ``path`` (atomically); return the parity error when ``check``."""
    if fmt not in FORMATS:
        raise AnimeGANError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    generator = generator.float().cpu().eval().to(memory_format=torch.contiguous_format)
    path = Path(path)
    with atomic_path(path) as tmp:
        (export_onnx if fmt == "onnx" else export_torchscript)(generator, tmp)
        if not check:
            return None
        error = max_difference(generator, tmp, fmt)
        if error > PARITY_TOLERANCE:
            raise AnimeGANError(
                f"{path}: exported {fmt} differs from PyTorch by {error:.2e} (> {PARITY_TOLERANCE:.0e}); not written"
            )
    return error
