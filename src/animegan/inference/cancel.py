"""Abandoning an inference that is running in another thread (the video pipeline, once a write has failed).

A forward pass cannot be interrupted from outside, and one batch of large frames takes tens of seconds on a
CPU. ``InferenceCancel(thread).arm()``, called from any thread, makes the inference running in ``thread`` stop:

- PyTorch: a global module forward pre-hook raises ``Cancelled`` at that thread's next ``nn.Module`` call (within
  one layer or one tile). Nothing is registered until ``arm``: the normal path has no hook and no overhead (a
  compiled graph ends its current call first).
- Native runtimes: a blocking call wrapped in ``cancellable(cancel)`` (OpenVINO's infer request ``cancel``, ONNX
  Runtime's ``RunOptions.terminate``) has its
  cancel function called every ``RECANCEL_SECONDS`` until it ends (a runtime ignores a cancel that comes before
  its work has started), and raises whatever the runtime raises; a call that starts after ``arm`` raises
  ``Cancelled`` at once.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from torch.utils.hooks import RemovableHandle

RECANCEL_SECONDS = 0.05  # how often a cancelled native call that is still running is told again

_lock = threading.Lock()
_armed: set[int] = set()  # ids of the threads whose inference must stop
_running: dict[int, list[Callable[[], None]]] = {}  # thread id -> cancel functions of its native calls now


class Cancelled(Exception):
    """Raised in an inference thread whose inference was cancelled."""


@contextmanager
def cancellable(cancel: Callable[[], None]) -> Iterator[None]:
    """Around a blocking native call in this thread: ``cancel`` is called if this thread's inference is cancelled."""
    ident = threading.get_ident()
    with _lock:
        if ident in _armed:
            raise Cancelled
        _running.setdefault(ident, []).append(cancel)
    try:
        yield
    finally:
        with _lock:
            calls = _running[ident]
            calls.remove(cancel)
            if not calls:
                del _running[ident]


def _hook(module: torch.nn.Module, args: tuple) -> None:
    if threading.get_ident() in _armed:  # a set lookup: this runs only while some inference is cancelled
        raise Cancelled


class InferenceCancel:
    """Cancels the inference of the thread that made it (or of ``thread``), once ``arm`` is called."""

    def __init__(self, thread: int | None = None) -> None:
        self.thread = threading.get_ident() if thread is None else thread
        self._handle: RemovableHandle | None = None

    def arm(self) -> None:
        """From any thread: stop the inference thread's current and later inference (idempotent)."""
        with _lock:
            if self.thread in _armed:
                return
            _armed.add(self.thread)
            # deferred: only a PyTorch pass needs the hook; OpenVINO's torch-free warm start uses ``cancellable``
            from torch.nn.modules.module import register_module_forward_pre_hook

            self._handle = register_module_forward_pre_hook(_hook)
        if self._cancel_native():
            threading.Thread(target=self._keep_cancelling, name="animegan-cancel", daemon=True).start()

    def _cancel_native(self) -> bool:
        """Cancel the thread's running native calls; False when it runs none (or is no longer cancelled)."""
        with _lock:
            calls = list(_running.get(self.thread, ())) if self.thread in _armed else []
        for cancel in calls:
            with contextlib.suppress(Exception):  # a runtime that cannot cancel: its call runs to its end
                cancel()
        return bool(calls)

    def _keep_cancelling(self) -> None:
        time.sleep(RECANCEL_SECONDS)
        while self._cancel_native():
            time.sleep(RECANCEL_SECONDS)

    def disarm(self) -> None:
        """Let the thread run inference again (idempotent); call once the cancelled work has ended."""
        with _lock:
            _armed.discard(self.thread)
            if self._handle is not None:
                self._handle.remove()
                self._handle = None
