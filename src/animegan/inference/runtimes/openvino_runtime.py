"""OpenVINO on the CPU: the generator exported to ONNX (in memory, or from the runtime cache) and compiled by
OpenVINO, in bf16 where the CPU has it.

OpenVINO fuses each reflection pad, conv, layer norm and LeakyReLU into few passes: v2 warm on the shared 2-core
development CPU (load ~3.5, ``bench_stylize.py``) at 512x512 0.37 s against 0.40 s for PyTorch bf16 eager and
1.63 s for the port's fp32 eager; at 1920x1080 5.2 s against 8.5 s and 15.6 s. Building costs about 0.4 s on
a quiet machine, 1-3 s on a busy one (ONNX export, skipped when cached; compile; the checks). Every build is
checked against PyTorch fp32 on two small check images before it is used: within ``FP32_TOLERANCE`` for fp32, at least ``MIN_PSNR_DB`` for
bf16. Any failure (OpenVINO missing, an export error, a failed check) leaves PyTorch in charge, without error.
"""

from __future__ import annotations

import copy
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

import animegan
from animegan.device import cpu_has_bf16
from animegan.errors import AnimeGANError
from animegan.inference import export
from animegan.inference.runtimes import int8
from animegan.inference.runtimes.cache import ONNX_SUFFIX, RuntimeCache, weights_key
from animegan.inference.runtimes.openvino_compiled import (
    OV_PRECISION,
    CompiledGenerator,
    compile_config,
    compile_model,
)
from animegan.inference.runtimes.precision import MIN_PSNR_DB, UNIT_PEAK, calibration_image, psnr
from animegan.inference.runtimes.signal_stack import kept_signal_stack

FP32_TOLERANCE = 1e-3  # largest difference from PyTorch fp32 (output in [-1, 1]) accepted for an fp32 build
INSTALL_HINT = "pip install openvino"


def available() -> bool:
    """True when the openvino package can be imported."""
    return importlib.util.find_spec("openvino") is not None


def precisions_for(requested: str) -> list[str]:
    """OpenVINO precisions to try for a requested precision, fastest first (none for fp16: PyTorch runs it)."""
    if requested == "auto":
        return ["bf16", "fp32"] if cpu_has_bf16() else ["fp32"]
    if requested == "int8":
        return ["int8", *precisions_for("auto")]
    return [requested] if requested in OV_PRECISION else []


def check_images() -> list[torch.Tensor]:
    """Central 64x64 and 48x64 crops of the calibration pattern (two sizes, one not square: the export's dynamic
    height and width): small, because a single photo waits for these checks."""
    image = calibration_image()
    return [image[..., 32:96, 32:96].contiguous(), image[..., 40:88, 32:96].contiguous()]


class OpenVinoGenerator(CompiledGenerator):
    """A compiled generator on torch tensors: float NCHW in [-1, 1] (any batch, sides multiples of 4) -> float32
    NCHW; ``key`` and ``suffix`` name its entry in the runtime cache (the ONNX export, or the quantized IR of an
    int8 model) and ``config`` its compile settings (what the warm start needs to compile it again, see
    ``warm_start``)."""

    def __init__(self, compiled, precision: str, config: dict | None = None) -> None:
        super().__init__(compiled, precision)
        self.config = config or {}
        self.key: str | None = None  # set by ``build``
        self.suffix = int8.SUFFIX if precision == "int8" else ONNX_SUFFIX
        self.entry: bytes | None = None  # a fresh int8 model's cache entry (``int8.to_bytes``), until stored

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self.infer(x.detach().float().cpu().numpy()))


def compile_onnx(model_bytes: bytes, precision: str, compiled_dir: Path | None = None) -> OpenVinoGenerator:
    """Compile ONNX bytes for the CPU in ``precision`` (bf16, fp32, int8: quantized first, see ``int8``),
    latency-first, on torch's thread count."""
    with kept_signal_stack():
        import openvino as ov  # deferred: optional dependency

        core = ov.Core()
        model = core.read_model(model_bytes, b"")
        if precision != "int8":
            return _compile(core, model, precision)
        entry = int8.to_bytes(int8.quantize(model))  # compiled as read back: the blob a later process finds
        compiled = _compile(core, int8.from_bytes(core, entry), precision, compiled_dir)
        compiled.entry = entry
        return compiled


def _compile(core, model, precision: str, compiled_dir: Path | None = None) -> OpenVinoGenerator:
    """Compile an OpenVINO model on torch's thread count; with ``compiled_dir``, OpenVINO's own cache of compiled
    blobs there: an int8 model compiles in about 0.3 s instead of 0.9 s from the second process on."""
    config = compile_config(precision, cpu_has_bf16(), torch.get_num_threads())
    return OpenVinoGenerator(compile_model(core, model, config, compiled_dir), precision, config)


def cpu_name() -> str:
    """This CPU as OpenVINO sees it (name and capabilities: bf16, int8), part of an int8 entry's key."""
    import openvino as ov  # deferred: optional dependency

    core = ov.Core()
    capabilities = core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    return f"{core.get_property('CPU', 'FULL_DEVICE_NAME')} {' '.join(sorted(map(str, capabilities)))}"


Checks = list[tuple[torch.Tensor, torch.Tensor]]


def fp32_checks(generator: nn.Module) -> Checks:
    """(check image, PyTorch fp32 output) pairs, computed before any OpenVINO model runs: OpenVINO's worker
    threads keep spinning for a while after each inference and would slow PyTorch's threads several-fold."""
    with torch.inference_mode():
        return [(image, generator(image).float()) for image in check_images()]


def agrees(model: OpenVinoGenerator, checks: Checks) -> bool:
    """True when ``model`` matches PyTorch fp32 on the check images (see the module docstring)."""
    for image, reference in checks:
        out = model(image)
        if out.shape != reference.shape or not bool(torch.isfinite(out).all()):
            return False
        if model.precision == "fp32" and float((out - reference).abs().max()) > FP32_TOLERANCE:
            return False
        if model.precision != "fp32" and psnr(out, reference, peak=UNIT_PEAK) < MIN_PSNR_DB:
            return False
    return True


def versions() -> dict[str, str]:
    """The versions a cached export depends on."""
    import openvino

    return {"torch": torch.__version__, "openvino": openvino.__version__, "animegan": animegan.__version__}


def build(
    generator: nn.Module, requested: str | Sequence[str], cache: RuntimeCache | None = None
) -> OpenVinoGenerator | None:
    """The first OpenVINO model of ``generator`` that passes the check, or None: ``requested`` is the precisions
    to try in order (an ``ExecutionPlan``'s), or one requested precision (``precisions_for``)."""
    candidates = precisions_for(requested) if isinstance(requested, str) else list(requested)
    if not candidates or not available():
        return None
    generator = copy.deepcopy(generator).float().cpu().eval().to(memory_format=torch.contiguous_format)
    cache = cache or RuntimeCache()
    try:
        key = weights_key(generator, versions())
        checks = fp32_checks(generator)
        int8_key = int8.entry_key(key, cpu_name()) if "int8" in candidates else None
        model = _cached_int8(cache, int8_key, checks) if int8_key is not None else None
        model = model or _from_onnx(generator, key, candidates, checks, cache, int8_key)
        if model is not None:
            model.key = int8_key if model.suffix == int8.SUFFIX else key  # its entry in the runtime cache
        return model
    except Exception:  # noqa: BLE001 - an optimisation: any failure leaves the PyTorch path in charge
        return None


def _from_onnx(
    generator: nn.Module,
    key: str,
    candidates: list[str],
    checks: Checks,
    cache: RuntimeCache,
    int8_key: str | None,
) -> OpenVinoGenerator | None:
    """The first agreeing model from the ONNX export cached under ``key``, else from a new export (then kept)."""
    cached = cache.load(key)
    if cached:
        model = _first_agreeing(cached, candidates, checks, cache, int8_key)
        if model is not None:
            return model
        cache.forget(key)  # corrupt, or from a different export: made anew below
    model_bytes = export.onnx_bytes(generator)
    model = _first_agreeing(model_bytes, candidates, checks, cache, int8_key)
    if model is not None:
        cache.store(key, model_bytes)
    return model


def _cached_int8(cache: RuntimeCache, key: str, checks: Checks) -> OpenVinoGenerator | None:
    """The quantized model kept under ``key`` if it compiles and passes the check (a bad entry is dropped)."""
    data = cache.load(key, int8.SUFFIX)
    if data is None:
        return None
    try:
        with kept_signal_stack():
            import openvino as ov  # deferred: optional dependency

            core = ov.Core()
            model = _compile(core, int8.from_bytes(core, data), "int8", cache.compiled_dir())
        if agrees(model, checks):
            return model
    except Exception:  # noqa: BLE001 - a corrupt entry: quantized anew
        pass
    cache.forget(key, int8.SUFFIX)
    return None


def _first_agreeing(
    model_bytes: bytes, candidates: list[str], checks: Checks, cache: RuntimeCache, int8_key: str | None
) -> OpenVinoGenerator | None:
    for precision in candidates:
        try:
            model = compile_onnx(model_bytes, precision, cache.compiled_dir())
        except Exception:  # noqa: BLE001 - unreadable bytes, an unsupported graph, a failed quantization
            continue
        if agrees(model, checks):
            if model.entry is not None and int8_key is not None:
                cache.store(int8_key, model.entry, int8.SUFFIX)
            model.entry = None
            return model
    return None


def require(device: torch.device, precision: str = "auto") -> None:
    """Raise one line when ``--runtime openvino`` (or ``--precision int8``) cannot be honoured here."""
    if precision == "int8":
        if device.type != "cpu":
            raise AnimeGANError(f"--precision int8 runs on the CPU, not on {device}; use auto")
        int8.require()
    if device.type != "cpu":
        raise AnimeGANError(f"--runtime openvino runs on the CPU, not on {device}; use --runtime torch")
    if not available():
        asked = "--precision int8" if precision == "int8" else "--runtime openvino"
        raise AnimeGANError(f"{asked} needs OpenVINO, which is not installed: {INSTALL_HINT}")
