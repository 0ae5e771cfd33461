"""A dropped OpenVINO model must not leave a dangling alternate signal stack: SIGTERM still unwinds (143)."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import textwrap

import pytest

from animegan.inference.runtimes.openvino_runtime import available
from animegan.inference.runtimes.signal_stack import StackT, current_signal_stack, kept_signal_stack


def test_the_stack_set_inside_the_block_is_replaced_by_the_one_before() -> None:
    before = current_signal_stack()
    buffer = ctypes.create_string_buffer(64 * 1024)
    libc = ctypes.CDLL(None)
    with kept_signal_stack():
        stack = StackT(ctypes.cast(buffer, ctypes.c_void_p), 0, len(buffer))
        assert libc.sigaltstack(ctypes.byref(stack), None) == 0
        assert current_signal_stack()[0] == ctypes.addressof(buffer)
    assert current_signal_stack() == before


SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, torch
    from animegan.inference.runtimes import openvino_runtime
    from animegan.nets import GeneratorV2
    from animegan.signals import exit_status, signals_unwind

    class SizeDependent(GeneratorV2):  # its export is wrong at the second check size: every build is dropped
        def forward(self, x):
            out = super().forward(x)
            return -out if x.shape[-2] == 64 else out

    torch.manual_seed(2)
    assert openvino_runtime.build(SizeDependent().eval(), "auto") is None
    try:
        with signals_unwind():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10**6):
                pass
    except KeyboardInterrupt as error:
        sys.exit(exit_status(error))
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not available(), reason="OpenVINO is not installed")
def test_sigterm_after_a_dropped_openvino_build_exits_143(tmp_path) -> None:
    env = {"ANIMEGAN_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 143, done.stderr[-2000:]  # a dangling stack: -11 (segmentation fault)
