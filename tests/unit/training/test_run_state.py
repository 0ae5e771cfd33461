"""RunState: the RNG states a checkpoint holds come back when the resumed stage trains, and also when it trains
nothing (a checkpoint from the end of its stage's last epoch), since the next stage draws from them."""

from __future__ import annotations

import random

import numpy as np
import torch

from animegan.training.run_state import RNG_KEY, RunState, collect_rng_states


def draws() -> tuple[float, float, float]:
    return torch.rand(()).item(), float(np.random.rand()), random.random()


def saved_states() -> tuple[dict, tuple[float, float, float]]:
    """A checkpoint's RNG entry, and what the generators give right after it."""
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    states = collect_rng_states()
    return {RNG_KEY: states}, draws()


def test_states_come_back_at_train_start_once() -> None:
    checkpoint, want = saved_states()
    state = RunState()
    state.on_load_checkpoint(None, None, checkpoint)  # type: ignore[arg-type]
    draws()  # set-up and sanity check draw in between
    trainer = type("T", (), {"is_global_zero": False})()
    state.on_train_start(trainer, None)  # type: ignore[arg-type]
    assert draws() == want
    state.on_fit_end(trainer, None)  # type: ignore[arg-type]  # already restored: nothing more
    assert draws() != want


def test_states_come_back_at_fit_end_when_nothing_was_trained() -> None:
    checkpoint, want = saved_states()
    state = RunState()
    state.on_load_checkpoint(None, None, checkpoint)  # type: ignore[arg-type]
    draws()  # the loader's set-up, with no training after it
    state.on_fit_end(None, None)  # type: ignore[arg-type]
    assert draws() == want
