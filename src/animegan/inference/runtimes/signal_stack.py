"""Keep the calling thread's alternate signal stack across native code that replaces it.

OpenVINO's CPU plugin installs an alternate signal stack for the thread that compiles or runs a model, inside
memory it frees with the model. Python runs its signal handlers with ``SA_ONSTACK``, so once such a model is
gone (a build that failed its check, a Stylizer dropped), the next SIGTERM or SIGINT is delivered onto freed
memory and the process dies with a segmentation fault instead of unwinding (exit 143/130, temp files removed).
``kept_signal_stack`` puts back the stack the thread had before. A no-op where libc's ``sigaltstack`` is absent.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

SS_DISABLE = 2  # Linux and the BSDs: <signal.h>


class StackT(ctypes.Structure):
    """``stack_t`` of <signal.h>."""

    _fields_ = [("ss_sp", ctypes.c_void_p), ("ss_flags", ctypes.c_int), ("ss_size", ctypes.c_size_t)]


@cache
def _sigaltstack():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        function = libc.sigaltstack
    except (OSError, AttributeError):  # pragma: no cover - no libc (Windows)
        return None
    function.argtypes = [ctypes.POINTER(StackT), ctypes.POINTER(StackT)]
    return function


def current_signal_stack() -> tuple[int, int, int] | None:
    """(address, flags, size) of this thread's alternate signal stack; None where it cannot be read."""
    function = _sigaltstack()
    if function is None:
        return None
    stack = StackT()
    function(None, ctypes.byref(stack))
    return (stack.ss_sp or 0, stack.ss_flags, stack.ss_size)


@contextmanager
def kept_signal_stack() -> Iterator[None]:
    """Run the block, then restore the alternate signal stack this thread had before it."""
    function = _sigaltstack()
    if function is None:  # pragma: no cover - no libc
        yield
        return
    before = StackT()
    function(None, ctypes.byref(before))
    try:
        yield
    finally:
        before.ss_flags &= SS_DISABLE  # SS_ONSTACK is a status, not a setting
        function(ctypes.byref(before), None)
