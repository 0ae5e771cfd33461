"""wandb with credentials but a server that never answers goes offline after the configured timeout."""

import os
import socket
import threading

import pytest
from omegaconf import OmegaConf

from animegan.training.wandb_setup import prepare_wandb


def test_silent_server_means_offline(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)  # accepts (kernel backlog) and never answers
    held = []
    threading.Thread(target=lambda: held.append(server.accept()), daemon=True).start()
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    monkeypatch.setenv("WANDB_BASE_URL", f"http://127.0.0.1:{server.getsockname()[1]}")
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.delenv("WANDB_INIT_TIMEOUT", raising=False)
    cfg = OmegaConf.create(
        {
            "logger": {"wandb": {"_target_": "pytorch_lightning.loggers.WandbLogger"}},
            "wandb_timeout_s": 0.5,
            "paths": {"output_dir": str(tmp_path)},
        }
    )
    assert prepare_wandb(cfg)
    assert os.environ["WANDB_MODE"] == "offline"
    assert os.environ["WANDB_INIT_TIMEOUT"] == "0.5"
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and "did not answer within 0.5 s: logging offline" in out[0]
    server.close()
