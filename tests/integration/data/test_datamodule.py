"""The datamodule inside a real Lightning Trainer, built from conf/data/*.yaml with Hydra's instantiate."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from hydra.utils import instantiate

from animegan.data.datamodule import AnimeGANDataModule
from animegan.data.demo.dataset import DEMO_STYLE, make_demo_dataset


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_dataset(
        tmp_path_factory.mktemp("demo"), seed=0, n_photos=10, n_style=6, n_val=3, size=48
    )


def data_config(cfg, name: str, root: Path, **overrides):
    """The composed ``data`` node of ``data=NAME`` (the real config), with the data folder and seed set."""
    extra = [f"data.{key}={value}" for key, value in overrides.items()]
    return cfg(f"data={name}", f"paths.data_dir={root}", "seed=7", *extra).data


def test_configs_instantiate_with_every_field(cfg, demo_root: Path) -> None:
    demo = instantiate(data_config(cfg, "demo", demo_root))
    assert isinstance(demo, AnimeGANDataModule)
    assert (demo.layout.root, demo.layout.style, demo.image_size, demo.batch_size) == (
        demo_root,
        DEMO_STYLE,
        128,
        4,
    )
    assert demo.seed == 7
    default = instantiate(data_config(cfg, "default", demo_root))
    assert (default.layout.style, default.image_size, default.batch_size, default.num_workers) == (
        "Hayao",
        256,
        12,
        4,
    )
    assert default.mean_shift == "auto"
    fields = set(data_config(cfg, "default", demo_root)) - {"_target_"}
    assert fields == set(inspect.signature(AnimeGANDataModule).parameters)


class Recorder(pl.LightningModule):
    """A one-parameter model that records what each training step saw."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.seen: list[tuple[int, torch.Tensor]] = []

    def training_step(self, batch, batch_idx):
        self.seen.append((self.current_epoch, batch["photo"].sum(dim=(1, 2, 3)).detach()))
        return (self.weight - batch["anime"].mean()) ** 2

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def test_trainer_runs_epochs_and_reshuffles(cfg, demo_root: Path) -> None:
    dm = instantiate(data_config(cfg, "demo", demo_root, image_size=32, batch_size=2, val_size=32))
    model = Recorder()
    trainer = pl.Trainer(
        max_epochs=2,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    trainer.fit(model, datamodule=dm)
    per_epoch = [[s for e, s in model.seen if e == epoch] for epoch in (0, 1)]
    assert len(per_epoch[0]) == len(per_epoch[1]) == 10 // 2
    assert not all(torch.equal(a, b) for a, b in zip(*per_epoch, strict=True))  # set_epoch reshuffled
    sampler = trainer.train_dataloader.sampler
    assert sampler.epoch == 1 and sampler.num_replicas == 1
