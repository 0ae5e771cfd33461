"""ONNX generators run by ONNX Runtime: AnimeGANv3's released models, and v1/v2 generators exported to ONNX.

The input layout (NHWC or NCHW) is read from the graph's input shape (the axis of size 3); inputs and outputs are
float RGB in [-1, 1]. Execution providers: TensorRT and CUDA when ONNX Runtime has them and the device allows,
then the CPU. AnimeGANv3 models are recognised by their tensor names (input ``AnimeGANv3_input:0``, output
``generator_1/main/out_layer:0``, or ``generator_main_out_layer`` in the face models).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from animegan.errors import WeightsError
from animegan.inference.cancel import cancellable
from animegan.weights.formats import ONNX_INSTALL_HINT, onnx_family

GPU_PROVIDERS = ("TensorrtExecutionProvider", "CUDAExecutionProvider")


def import_onnxruntime():
    """The onnxruntime module, or one line saying how to install it."""
    try:
        import onnxruntime
    except ImportError:
        raise WeightsError(
            f"ONNX generators need ONNX Runtime, which is not installed: {ONNX_INSTALL_HINT}"
        ) from None
    return onnxruntime


def providers_for(device: str, available: list[str]) -> list[str | tuple[str, dict]]:
    """Execution providers for ``device`` (auto, cpu, cuda, cuda:N), fastest first, the CPU last."""
    found = re.fullmatch(r"(auto|cpu|cuda)(?::(\d+))?", str(device))
    if not found:
        raise WeightsError(
            f"unknown device {device!r} for an ONNX generator; expected auto, cpu, cuda or cuda:N"
        )
    kind, index = found.group(1), int(found.group(2) or 0)
    gpu = [(name, {"device_id": index}) for name in GPU_PROVIDERS if name in available]
    if kind == "cuda" and not gpu:
        raise WeightsError(
            f"device {device} asked for, but ONNX Runtime has no CUDA provider here "
            f"(providers: {', '.join(available)}); install onnxruntime-gpu or use --device cpu"
        )
    return [*(gpu if kind != "cpu" else []), "CPUExecutionProvider"]


class OnnxGenerator:
    """One ONNX generator: ``generator(batch)`` maps float32 NHWC RGB in [-1, 1] to the same, at the model's
    output size; ``layout`` is the graph's own (NHWC or NCHW), ``fixed_size`` its fixed (H, W) if any."""

    def __init__(self, path: str | Path, device: str = "auto") -> None:
        ort = import_onnxruntime()
        self.path = Path(path)
        if not self.path.is_file():
            raise WeightsError(f"{self.path}: ONNX file not found")
        self._run_options = ort.RunOptions  # one per call: its ``terminate`` cancels that call
        options = ort.SessionOptions()
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(
                str(self.path), options, providers=providers_for(device, ort.get_available_providers())
            )
        except WeightsError:
            raise
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types for bad files
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
            raise WeightsError(f"{self.path}: not a usable ONNX model ({first})") from None
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if len(inputs) != 1 or not outputs:
            raise WeightsError(
                f"{self.path}: expected one image input and an image output, got {len(inputs)} inputs"
            )
        self.input, self.output = inputs[0].name, outputs[0].name
        self.layout, self.fixed_size, self.fixed_batch = self._read_shape(inputs[0].shape)
        if inputs[0].type not in ("tensor(float)", "tensor(float16)"):
            raise WeightsError(f"{self.path}: input {self.input} is {inputs[0].type}, expected float")
        self.input_dtype = np.float16 if inputs[0].type == "tensor(float16)" else np.float32
        self.family = onnx_family([self.input, self.output])
        self.multiple = 16 if "tiny" in self.path.name.lower() else 8

    def _read_shape(self, shape: list) -> tuple[str, tuple[int, int] | None, bool]:
        if len(shape) != 4:
            raise WeightsError(
                f"{self.path}: input {self.input} has shape {shape}, expected an image batch (4-D)"
            )
        if shape[3] == 3:
            layout, spatial = "NHWC", shape[1:3]
        elif shape[1] == 3:
            layout, spatial = "NCHW", shape[2:4]
        else:
            raise WeightsError(
                f"{self.path}: input {self.input} has shape {shape}; expected 3 channels (NHWC or NCHW)"
            )
        fixed = tuple(spatial) if all(isinstance(s, int) and s > 0 for s in spatial) else None
        return layout, fixed, isinstance(shape[0], int) and shape[0] > 0

    @property
    def providers(self) -> list[str]:
        return self.session.get_providers()

    def _run(self, batch: np.ndarray) -> np.ndarray:
        x = batch if self.layout == "NHWC" else batch.transpose(0, 3, 1, 2)
        feed, run_options = {self.input: np.ascontiguousarray(x, self.input_dtype)}, self._run_options()
        with cancellable(lambda: setattr(run_options, "terminate", True)):  # see ``inference.cancel``
            y = np.asarray(self.session.run([self.output], feed, run_options)[0])
        if y.ndim != 4:
            raise WeightsError(
                f"{self.path}: output {self.output} has shape {y.shape}, expected an image batch"
            )
        y = y if self.layout == "NHWC" else y.transpose(0, 2, 3, 1)
        return y.astype(np.float32, copy=False)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """Float32 NHWC in [-1, 1] -> float32 NHWC (one run per image where the graph fixes the batch)."""
        if self.fixed_batch and len(batch) != 1:
            return np.concatenate([self._run(batch[i : i + 1]) for i in range(len(batch))])
        return self._run(batch)
