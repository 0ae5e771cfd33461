"""The warm start: ``animegan stylize`` on images without importing PyTorch, from the runtime cache.

Importing PyTorch alone takes about 1 s on the 2-core development CPU: more than half of a single 512x512
photo's end-to-end time. So once a run with some weights has built their OpenVINO model and checked it against
PyTorch fp32 (``openvino_runtime.build``), it leaves a launch record in the runtime cache (``<key>.warm``, JSON:
the model's entry - the ONNX export, or the quantized IR of ``--precision int8`` - the precision and compile
settings that passed the check, the size multiple). A later process with the same weights file (its bytes), the
same precision request, the same torch/OpenVINO/NNCF/animegan versions and the same CPU finds the record and runs
its images through OpenVINO straight from NumPy (OpenVINO's blob cache makes the compile a few tens of ms). Its
outputs are those of the same OpenVINO model on the PyTorch path (``--runtime openvino``, or ``--precision int8``),
pixel for pixel.

When: every input is an image; ``--precision auto`` or ``int8``, runtime ``auto`` or ``openvino``, the CPU
(``--device cpu``, or ``auto`` on a machine without a GPU device node); no ``--tile``, ``--compile`` or
``--faces``; the weights are a file (ours, the port's, a converted ``.safetensors``), and the runtime cache is on.
The first run with new weights builds the model after its outputs are written, once (``remember``). Anything
missing or unreadable means the PyTorch path, as before, which writes a new record.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from animegan.fetch import sha256_of
from animegan.inference.frame_padding import check_frame, pad_frames
from animegan.inference.options import StylizeOptions, resolve_runtime
from animegan.inference.runtimes import int8
from animegan.inference.runtimes.cache import RuntimeCache
from animegan.inference.runtimes.openvino_compiled import CompiledGenerator, compile_model
from animegan.inference.runtimes.signal_stack import kept_signal_stack
from animegan.pixel_scale import to_byte, to_unit
from animegan.weights import released

log = logging.getLogger(__name__)

SUFFIX = ".warm"
FORMAT = 2  # bump when a record's meaning changes (2: the entry's suffix, for int8 models)
GPU_DEVICE_NODES = ("/dev/nvidiactl", "/dev/nvidia0", "/dev/kfd", "/dev/dxg")  # CUDA, ROCm, WSL
SOFTWARE = ("torch", "openvino", "nncf", "animegan")
PRECISIONS = ("auto", "int8")  # the precision requests a record serves


@dataclass(frozen=True)
class LaunchRecord:
    """What a warm start needs: the model's entry in the runtime cache (key and suffix: ``.onnx`` for an
    ONNX export, ``int8.SUFFIX`` for a quantized IR), its checked precision and compile settings, and the
    generator's size multiple."""

    entry_key: str
    entry_suffix: str
    precision: str
    config: dict
    multiple: int
    format: int = FORMAT


class HasOpenVinoModel(Protocol):
    """The PyTorch-side Stylizer as ``remember`` uses it."""

    weights_path: Path | None
    multiple: int

    def openvino_model(self): ...


def gpu_present() -> bool:
    """True when a GPU device node exists: ``--device auto`` would pick it, so no warm start (torch-free guess)."""
    return any(os.path.exists(node) for node in GPU_DEVICE_NODES)


@cache
def cpu_fingerprint() -> str:
    """This CPU (model name and feature flags from ``/proc/cpuinfo``, else the platform) and its core count."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    name = fields.get("model name") or platform.processor() or platform.machine()
    return f"{name}|{fields.get('flags', '')}|{os.cpu_count()}"


def software_versions() -> dict[str, str]:
    """The installed versions a record depends on, read from the package metadata (nothing imported)."""
    versions = {}
    for name in SOFTWARE:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "none"
    return versions


def launch_key(weights: Path, precision: str) -> str:
    """Hex key of a record: the weights file's bytes, the precision request, the versions and this CPU."""
    header = {
        "format": FORMAT,
        "weights_sha256": sha256_of(weights),
        "precision": precision,
        "versions": software_versions(),
        "cpu": cpu_fingerprint(),
    }
    return hashlib.blake2b(json.dumps(header, sort_keys=True).encode(), digest_size=20).hexdigest()


def eligible(options: StylizeOptions) -> bool:
    """True when ``options`` may start warm (see the module docstring; the inputs are checked by the caller)."""
    on_cpu = options.device == "cpu" or (options.device == "auto" and not gpu_present())
    return (
        on_cpu
        and options.precision in PRECISIONS
        and not (options.tile or options.compile or options.faces)
        and resolve_runtime(options.runtime) in ("auto", "openvino")
        and RuntimeCache().enabled
        and importlib.util.find_spec("openvino") is not None
    )


def weights_file(options: StylizeOptions) -> Path | None:
    """The weights file ``options`` names (a released name resolved, downloaded once), or None for weights a
    warm start does not serve (ONNX files, TF checkpoint folders)."""
    path = released.resolve(options.weights, base_url=options.url, quiet=options.quiet)
    return path if servable(path) else None


def servable(path: Path) -> bool:
    """True for a weights file a warm start serves: not ONNX (ONNX Runtime runs it), not a TF checkpoint."""
    return path.is_file() and path.suffix.lower() not in (".onnx", ".index")


def read_record(cache_: RuntimeCache, key: str) -> LaunchRecord | None:
    """The record under ``key`` if it is readable and its model's entry is still there, else None (and
    dropped)."""
    data = cache_.load(key, SUFFIX)
    if data is None:
        return None
    try:
        record = LaunchRecord(**json.loads(data))
        usable = record.format == FORMAT and cache_.path(record.entry_key, record.entry_suffix).is_file()
    except (ValueError, TypeError):
        usable = False
    if not usable:
        cache_.forget(key, SUFFIX)
        return None
    return record


def read_entry(core, cache_: RuntimeCache, record: LaunchRecord):
    """What OpenVINO compiles for ``record``: the ONNX file's path, or the quantized model read from its IR."""
    if record.entry_suffix == int8.SUFFIX:
        data = cache_.load(record.entry_key, int8.SUFFIX)
        if data is None:
            raise ValueError("int8 entry gone")
        return int8.from_bytes(core, data)
    return str(cache_.path(record.entry_key, record.entry_suffix))


class WarmStylizer:
    """``Stylizer``'s image interface (``__call__``, ``stylize_batch``) on a compiled OpenVINO model, torch-free:
    the same padding (``frame_padding``) and pixel scale (``pixel_scale``) as the PyTorch path."""

    def __init__(self, model: CompiledGenerator, multiple: int, weights_path: Path) -> None:
        self.model, self.multiple, self.weights_path = model, multiple, weights_path

    @property
    def precision(self) -> str:
        return self.model.precision

    def describe(self) -> str:
        return f"openvino {self.precision} (warm start from the runtime cache, PyTorch not loaded)"

    def stylize_batch(self, frames: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Stylize RGB uint8 frames of one size in one batch; same sizes out."""
        if not frames:
            return []
        h, w = frames[0].shape[:2]
        batch = to_unit(pad_frames(np.stack(frames), self.multiple)).transpose(0, 3, 1, 2)
        out = to_byte(self.model.infer(batch)[:, :, :h, :w]).transpose(0, 2, 3, 1)
        return [np.ascontiguousarray(frame) for frame in out]

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """Stylize one RGB uint8 image (H, W, 3); returns RGB uint8 of the same shape."""
        check_frame(rgb)
        return self.stylize_batch([rgb])[0]


def open_warm(options: StylizeOptions, cache_: RuntimeCache | None = None) -> WarmStylizer | None:
    """A WarmStylizer for ``options`` when a launch record serves them, else None (the PyTorch path runs)."""
    if not eligible(options):
        return None
    path = weights_file(options)
    if path is None:
        return None
    cache_ = cache_ or RuntimeCache()
    key = launch_key(path, options.precision)
    record = read_record(cache_, key)
    if record is None:
        return None
    try:
        with kept_signal_stack():
            import openvino as ov  # deferred: optional dependency

            core = ov.Core()
            compiled = compile_model(
                core, read_entry(core, cache_, record), record.config, cache_.compiled_dir()
            )
    except Exception:  # noqa: BLE001 - an entry OpenVINO cannot read: the PyTorch path writes a new one
        cache_.forget(key, SUFFIX)
        return None
    stylizer = WarmStylizer(CompiledGenerator(compiled, record.precision), record.multiple, path)
    log.info("execution plan: %s", stylizer.describe())  # shown by the CLI's --verbose
    return stylizer


def remember(stylizer: HasOpenVinoModel, options: StylizeOptions, cache_: RuntimeCache | None = None) -> bool:
    """After a PyTorch-path run: leave the launch record of its weights, building and checking their OpenVINO
    model now if the run did not; True when a record is there. Never raises: it only speeds up later runs."""
    try:
        path = stylizer.weights_path
        if path is None or not servable(path) or not eligible(options):
            return False
        cache_ = cache_ or RuntimeCache()
        key = launch_key(path, options.precision)
        if read_record(cache_, key) is not None:
            return True
        model = stylizer.openvino_model()
        if model is None or model.key is None:
            return False
        record = LaunchRecord(model.key, model.suffix, model.precision, dict(model.config), stylizer.multiple)
        return cache_.store(key, json.dumps(asdict(record), sort_keys=True).encode(), SUFFIX)
    except Exception:  # noqa: BLE001 - an optimisation: a failure only means no warm start next time
        log.info("no warm start recorded", exc_info=True)
        return False
