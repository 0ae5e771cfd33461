"""The optional FID/KID validation metric of training: ``val/kid_style`` (and ``val/fid_style`` once the val set
holds ``fid_min_images`` photos) of the validation photos' stylizations against a fixed sample of the style set,
every ``every_n_val``-th validation (``model.metrics`` in the config; 0 = off, the default: Inception on the CPU
is slow). Logged like the other curves (wandb, CSV, TensorBoard) and usable as the sweep objective
(``objective.metric=val/kid_style``). The style sample is spread evenly over the sorted style images and its
features are taken once; images are quantised to uint8 like ``animegan eval``'s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch

from animegan.eval.features import extract
from animegan.eval.images import square
from animegan.eval.inception import FeatureNet, feature_net
from animegan.eval.statistics import fid, kid
from animegan.imageio import read_image
from animegan.inference.pixels import to_uint8


def to_uint8_images(x: torch.Tensor) -> list[np.ndarray]:
    """Float NCHW in [-1, 1] -> RGB uint8 HxWx3 images."""
    return list(to_uint8(x))


class StyleMetrics(pl.Callback):
    """Computes and logs val/kid_style and val/fid_style every ``every_n_val`` validations (sanity check excluded).

    Every argument comes from ``model.metrics`` (``conf/model/base.yaml``, through ``conf/callbacks``).
    """

    def __init__(
        self,
        every_n_val: int,
        inception: str | None,
        style_sample: int,
        kid_subset: int,
        kid_subsets: int,
        fid_min_images: int,
    ) -> None:
        self.every_n_val = int(every_n_val)
        self.inception = inception
        self.style_sample = int(style_sample)
        self.kid_subset = int(kid_subset)
        self.kid_subsets = int(kid_subsets)
        self.fid_min_images = int(fid_min_images)
        self.validations = 0
        self.active = False
        self.net: FeatureNet | None = None
        self.style_features: np.ndarray | None = None
        self.fakes: list[np.ndarray] = []

    def _prepare(self, trainer: pl.Trainer, device: torch.device) -> None:
        """Load the network and take the style sample's features, once."""
        if self.net is None:
            self.net = feature_net(self.inception, quiet=True)
        self.net.network.to(device)
        if self.style_features is None:
            datamodule = trainer.datamodule
            paths: list[Path] = list(datamodule.anime)
            picks = np.linspace(0, len(paths) - 1, min(self.style_sample, len(paths))).round().astype(int)
            images = [square(read_image(paths[i]).rgb, datamodule.val_size) for i in picks]
            self.style_features = extract(self.net.network, images, "style sample", device, quiet=True)

    def on_validation_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.fakes = []
        self.active = False
        if self.every_n_val <= 0 or trainer.sanity_checking:
            return
        self.validations += 1
        self.active = self.validations % self.every_n_val == 0
        if self.active:
            self._prepare(trainer, pl_module.device)

    def on_validation_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        if self.active:
            with torch.inference_mode():
                self.fakes += to_uint8_images(pl_module.sample_generator(batch["photo"]))

    def measure(self, features: np.ndarray) -> dict[str, float]:
        """val/kid_style (subsets of at most ``kid_subset``) and, with enough photos, val/fid_style."""
        assert self.style_features is not None
        subset = min(self.kid_subset, len(features), len(self.style_features))
        values: dict[str, float] = {}
        if subset >= 2:
            values["val/kid_style"] = kid(features, self.style_features, subset, self.kid_subsets).mean
        if len(features) >= max(2, self.fid_min_images):
            values["val/fid_style"] = fid(features, self.style_features)
        return values

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not self.active or not self.fakes:
            return
        assert self.net is not None
        features = extract(self.net.network, self.fakes, "val", pl_module.device, quiet=True)
        for name, value in self.measure(features).items():
            pl_module.log(name, value, sync_dist=True)
        self.fakes = []
