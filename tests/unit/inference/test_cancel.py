"""``inference.cancel``: an inference running in one thread is abandoned when another thread arms its cancel."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch

from animegan.inference import cancel as cancel_module
from animegan.inference.cancel import Cancelled, InferenceCancel, cancellable


class Counting(torch.nn.Module):
    """A layer that counts its calls and, at the ``trigger``-th, calls ``on_trigger`` once (arms from elsewhere)."""

    def __init__(self, calls: list[int], trigger: int, on_trigger) -> None:
        super().__init__()
        self.calls, self.trigger, self.on_trigger = calls, trigger, on_trigger

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append(1)
        if len(self.calls) == self.trigger and self.on_trigger is not None:
            self.on_trigger, trigger = None, self.on_trigger
            trigger()
        return x + 1


def arm_from_another_thread(cancel: InferenceCancel) -> None:
    other = threading.Thread(target=cancel.arm)
    other.start()
    other.join()


def test_a_forward_pass_stops_at_the_next_layer_and_runs_again_after_disarm() -> None:
    calls: list[int] = []
    cancel = InferenceCancel()
    layers = [Counting(calls, 3, None) for _ in range(10)]
    layers[2].on_trigger = lambda: arm_from_another_thread(cancel)
    net = torch.nn.Sequential(*layers)
    with pytest.raises(Cancelled):
        net(torch.zeros(1))
    assert len(calls) == 3  # the layer running when armed finishes; the next one does not start
    cancel.disarm()
    assert torch.nn.modules.module._global_forward_pre_hooks == {}  # no hook left: no cost afterwards
    calls.clear()
    assert net(torch.zeros(1)).item() == 10 and len(calls) == 10


def test_only_the_cancelled_thread_is_stopped() -> None:
    worker_started, armed = threading.Event(), threading.Event()
    result: dict[str, object] = {}
    cancel_holder: dict[str, InferenceCancel] = {}

    def worker() -> None:
        cancel_holder["cancel"] = InferenceCancel()
        worker_started.set()
        armed.wait(10)
        try:
            torch.nn.Linear(2, 2)(torch.zeros(1, 2))
            result["worker"] = "ran"
        except Cancelled:
            result["worker"] = "cancelled"

    thread = threading.Thread(target=worker)
    thread.start()
    worker_started.wait(10)
    cancel = cancel_holder["cancel"]
    cancel.arm()
    try:
        assert torch.nn.Linear(2, 2)(torch.zeros(1, 2)).shape == (1, 2)  # this thread still runs its modules
        armed.set()
        thread.join(10)
    finally:
        cancel.disarm()
    assert result["worker"] == "cancelled"


def test_a_native_call_is_told_to_cancel_until_it_ends_and_later_calls_refused() -> None:
    cancel = InferenceCancel()
    cancelled: list[str] = []
    with cancellable(lambda: cancelled.append("request")):
        arm_from_another_thread(cancel)
        assert cancelled[:1] == ["request"]  # at once
        time.sleep(0.3)  # a runtime ignores a cancel that comes before its work starts: it is told again
        assert len(cancelled) >= 2
    try:
        with pytest.raises(Cancelled), cancellable(lambda: cancelled.append("late")):
            pass
    finally:
        cancel.disarm()
    told = len(cancelled)
    with cancellable(lambda: cancelled.append("after")):
        time.sleep(0.2)
    assert set(cancelled) == {"request"} and len(cancelled) == told  # no longer told once the call ended


def constant_convolutions(side: int, layers: int):
    """An OpenVINO model built op by op (no conversion: quick): ``layers`` 3x3 convolutions on 1x3xside x side."""
    import openvino as ov
    import openvino.opset13 as ops

    x = ops.parameter([1, 3, side, side], np.float32)
    y, weight = x, ops.constant(np.full((3, 3, 3, 3), 0.1, np.float32))
    for _ in range(layers):
        y = ops.convolution(y, weight, [1, 1], [1, 1], [1, 1], [1, 1])
    return ov.Core().compile_model(ov.Model([y], [x]), "CPU")


def arm_once_running(cancel: InferenceCancel) -> None:
    """Arm ``cancel`` once its thread is inside a cancellable native call (and a moment into it)."""
    deadline = time.monotonic() + 30
    while cancel.thread not in cancel_module._running and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)
    cancel.arm()


def test_openvino_infer_is_cancelled_mid_call() -> None:
    """A real OpenVINO infer request (seconds of work) stops when the pipeline's cancel arms; it works again after."""
    pytest.importorskip("openvino")
    from animegan.inference.runtimes.openvino_runtime import OpenVinoGenerator

    side = 1024
    generator = OpenVinoGenerator(constant_convolutions(side, 80), "fp32")
    x = torch.zeros(1, 3, side, side)
    cancel = InferenceCancel()
    arming = threading.Thread(target=arm_once_running, args=(cancel,))
    arming.start()
    started = time.monotonic()
    try:
        with pytest.raises(RuntimeError, match="cancel"):
            generator(x)
    finally:
        arming.join()
        cancel.disarm()
    print(f"openvino call cancelled after {time.monotonic() - started:.2f} s")
    started = time.monotonic()
    assert generator(x).shape == (1, 3, side, side)  # the request still works afterwards
    print(f"the same call uncancelled: {time.monotonic() - started:.2f} s")


def test_onnx_runtime_run_is_cancelled_mid_call(tmp_path) -> None:
    """A real ONNX Runtime session run (seconds of work) stops through ``RunOptions.terminate``; works again after."""
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper, numpy_helper

    from animegan.inference.runtimes.onnx_runtime import OnnxGenerator

    side, layers = 768, 80
    weight = numpy_helper.from_array(np.full((3, 3, 3, 3), 0.1, np.float32), "w")
    nodes = [
        helper.make_node("Conv", [f"x{i}", "w"], [f"x{i + 1}"], pads=[1, 1, 1, 1]) for i in range(layers)
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes, "convs", [helper.make_tensor_value_info("x0", TensorProto.FLOAT, [1, 3, side, side])],
        [helper.make_tensor_value_info(f"x{layers}", TensorProto.FLOAT, [1, 3, side, side])], [weight],
    )  # fmt: skip
    path = tmp_path / "convs.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    generator = OnnxGenerator(path, device="cpu")
    x = np.zeros((1, side, side, 3), np.float32)
    cancel = InferenceCancel()
    arming = threading.Thread(target=arm_once_running, args=(cancel,))
    arming.start()
    started = time.monotonic()
    try:
        with pytest.raises(Exception, match="(?i)terminat"):
            generator(x)
    finally:
        arming.join()
        cancel.disarm()
    print(f"onnxruntime call cancelled after {time.monotonic() - started:.2f} s")
    started = time.monotonic()
    assert generator(x).shape == (1, side, side, 3)
    print(f"the same call uncancelled: {time.monotonic() - started:.2f} s")
