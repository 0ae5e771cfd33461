"""SIGTERM and SIGHUP unwind the program like Ctrl-C does, so temporary files are removed and threads stopped.

Python turns SIGINT into ``KeyboardInterrupt``; SIGTERM (``kill``, a job scheduler, ``docker stop``) and SIGHUP
(the terminal closed) would kill the process on the spot, leaving temporary files behind. Inside
``signals_unwind()`` they raise ``Terminated``, a ``KeyboardInterrupt``, in the main thread instead.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

UNWINDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by ``signum`` (SIGTERM, SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextmanager
def signals_unwind() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise ``Terminated`` in the main thread (elsewhere: a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in UNWINDING_SIGNALS:
        if signal.getsignal(signum) is signal.SIG_IGN:
            continue  # started under nohup or the like: keep ignoring
        previous[signum] = signal.signal(signum, _raise_terminated)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def signal_name(interrupt: KeyboardInterrupt) -> str:
    """SIGINT for Ctrl-C, else the name of the signal that raised ``interrupt``."""
    return signal.Signals(getattr(interrupt, "signum", signal.SIGINT)).name


def exit_status(interrupt: KeyboardInterrupt) -> int:
    """The shell's convention: 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP)."""
    return 128 + int(getattr(interrupt, "signum", signal.SIGINT))
