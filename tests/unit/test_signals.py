"""SIGTERM and SIGHUP unwind like Ctrl-C inside signals_unwind; exit status 128 + N; handlers restored."""

from __future__ import annotations

import os
import signal

import pytest

from animegan.signals import Terminated, exit_status, signal_name, signals_unwind


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_signal_raises_terminated_in_the_block(signum: int, status: int) -> None:
    inherited = signal.signal(signum, signal.SIG_DFL)  # a runner started under nohup ignores SIGHUP
    try:
        cleaned = []
        with pytest.raises(Terminated) as info, signals_unwind():
            try:
                os.kill(os.getpid(), signum)  # the handler runs at the next bytecode of the main thread
                pytest.fail("the signal did not interrupt the block")
            finally:
                cleaned.append(True)
        assert cleaned == [True]
        assert isinstance(info.value, KeyboardInterrupt)
        assert (exit_status(info.value), signal_name(info.value)) == (status, signal.Signals(signum).name)
        assert signal.getsignal(signum) is signal.SIG_DFL
    finally:
        signal.signal(signum, inherited)


def test_ctrl_c_keeps_its_status() -> None:
    assert (exit_status(KeyboardInterrupt()), signal_name(KeyboardInterrupt())) == (130, "SIGINT")


def test_an_ignored_signal_stays_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with signals_unwind():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    finally:
        signal.signal(signal.SIGHUP, previous)
