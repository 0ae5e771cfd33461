"""Two "nodes" of one process each on 127.0.0.1, as torchrun/SLURM would start them (MASTER_ADDR, MASTER_PORT,
NODE_RANK, WORLD_SIZE; gloo): both ranks train on different images, end every step with the same weights, and
only rank 0 writes checkpoints, samples, logs and generator.pt."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parents[2]
RANK0_ONLY = ("checkpoints", "samples", "generator.pt", "val_distances.jsonl", "csv")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset

    return make_demo_dataset(tmp_path_factory.mktemp("demo-data"), n_photos=8, n_style=8, n_val=1, size=32)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_node(rank: int, port: int, data_dir: Path, tmp_path: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "SLURM_"))}
    env |= {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "NODE_RANK": str(rank), "WORLD_SIZE": "2",
            "LOCAL_RANK": "0", "PYTHONPATH": os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]),
            "HOME": str(tmp_path), "OMP_NUM_THREADS": "1"}  # fmt: skip
    args = [
        f"hydra.run.dir={tmp_path / f'node{rank}'}", "trainer.accelerator=cpu", "trainer.devices=1",
        "trainer.num_nodes=2", "trainer.strategy=ddp", "+trainer.limit_train_batches=2",
        "trainer.num_sanity_val_steps=0", "model.stages.pretrain_epochs=1", "model.stages.adversarial_epochs=1",
        "data=demo", f"data.root={data_dir}", "data.image_size=32", "data.val_size=32", "data.batch_size=1",
        "data.val_count=1", "model.vgg.weights=random", "callbacks.progress_bar=null", "logger=csv",
        "+callbacks.rank_probe._target_=helpers.rank_probe.RankProbe", f"+callbacks.rank_probe.dirpath={tmp_path / 'probe'}",
    ]  # fmt: skip
    log = (tmp_path / f"node{rank}.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "animegan.training.app", *args], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip


def test_two_nodes_train_one_model_on_different_images(data_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    nodes = [start_node(rank, port, data_dir, tmp_path) for rank in (0, 1)]
    try:
        codes = [node.wait(timeout=420) for node in nodes]
    finally:
        for node in nodes:
            if node.poll() is None:
                node.kill()
    assert codes == [0, 0], (tmp_path / "node0.log").read_text()[-3000:] + (
        tmp_path / "node1.log"
    ).read_text()[-3000:]
    seen = {
        rank: [
            json.loads(line) for line in (tmp_path / "probe" / f"rank{rank}.jsonl").read_text().splitlines()
        ]
        for rank in (0, 1)
    }
    for rank, records in seen.items():
        assert [(r["stage"], r["batch"], r["world"], r["rank"]) for r in records] == [
            (stage, batch, 2, rank) for stage in ("pretrain", "adversarial") for batch in (0, 1)
        ]
    photos = [{r["photos"] for r in seen[rank]} for rank in (0, 1)]
    assert not photos[0] & photos[1]  # the ranks never trained on the same batch of images
    weights = [[r["weights"] for r in seen[rank]] for rank in (0, 1)]
    assert weights[0] == weights[1]  # all-reduced gradients: identical weights after every step
    assert len(set(weights[0])) == 4  # and every step changed them
    node0, node1 = tmp_path / "node0", tmp_path / "node1"
    assert all((node0 / name).exists() for name in RANK0_ONLY)
    assert [name for name in RANK0_ONLY if (node1 / name).exists()] == []  # rank 1 wrote none of them
