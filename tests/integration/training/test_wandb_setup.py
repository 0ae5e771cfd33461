"""wandb with no network and no credentials: offline at once, and nothing tries the network.

Every wandb and proxy address points at a loopback "black hole" that accepts connections and never answers, so a
network attempt would hang until wandb's own timeouts (90 s for init): the subprocess timeout catches that, and
the black hole counts connections.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

LOG_ONE_STEP = """
import sys
from omegaconf import OmegaConf
from animegan.training.wandb_setup import prepare_wandb
run_dir = sys.argv[1]
cfg = OmegaConf.create({"logger": {"wandb": {"_target_": "pytorch_lightning.loggers.WandbLogger"}},
                       "paths": {"output_dir": run_dir}})
assert prepare_wandb(cfg)
import wandb
from pytorch_lightning.loggers import WandbLogger
logger = WandbLogger(project="animegan", save_dir=run_dir)
logger.log_metrics({"pretrain/loss_g": 1.0}, step=0)
wandb.finish()
"""


@pytest.fixture
def black_hole() -> Iterator[tuple[str, list[socket.socket]]]:
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    server.close()
    for connection in accepted:
        connection.close()


def test_offline_without_credentials_never_touches_the_network(black_hole, tmp_path: Path) -> None:
    url, accepted = black_hole
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env |= {"HOME": str(tmp_path), "NETRC": str(tmp_path / ".netrc"), "WANDB_BASE_URL": url, "NO_PROXY": ""}
    env |= {name: url for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY")}
    done = subprocess.run(
        [sys.executable, "-c", LOG_ONE_STEP, str(tmp_path / "run")],
        env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "logging offline" in done.stdout
    assert accepted == []  # no connection to wandb's server or through a proxy
    assert list((tmp_path / "run" / "wandb").glob("offline-run-*/run-*.wandb"))
