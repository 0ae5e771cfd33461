"""Inference tests: each test gets its own runtime cache, and no $ANIMEGAN_RUNTIME from the environment."""

from __future__ import annotations

import pytest

from animegan.inference.runtimes.execution_plan import RUNTIME_ENV


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ANIMEGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(RUNTIME_ENV, raising=False)
