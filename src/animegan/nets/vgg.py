"""Frozen VGG19 features up to conv4_4 (before its ReLU), the perceptual network of AnimeGAN's losses."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torchvision.models.vgg import cfgs, make_layers

from animegan.errors import WeightsError
from animegan.safe_pickle import load_npy_dict

log = logging.getLogger(__name__)

CONV4_4_INDEX = 25  # torchvision's vgg19().features[25] is conv4_4
CAFFE_LAYER_NAMES = [
    "conv1_1", "conv1_2", "conv2_1", "conv2_2",
    "conv3_1", "conv3_2", "conv3_3", "conv3_4",
    "conv4_1", "conv4_2", "conv4_3", "conv4_4",
]  # fmt: skip
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)
SOURCES_HELP = "weights=imagenet (torchvision, needs a download once), weights=PATH (.pth or Caffe vgg19.npy), or weights=random"


def _features_to_conv4_4() -> nn.Sequential:
    return make_layers(cfgs["E"])[: CONV4_4_INDEX + 1]  # VGG19's feature stack, without the classifier


class VGGFeatures(nn.Module):
    """conv4_4 pre-ReLU features of images in [-1, 1]; parameters frozen, always in eval mode.

    ``weights``: ``"imagenet"`` (torchvision IMAGENET1K_V1), ``"random"`` (tests, offline demo), or a path to a
    torchvision-format state dict (``.pth``/``.pt``) or the original Caffe ``vgg19.npy`` / ``vgg19_no_fc.npy``.
    The input convention follows the source: ImageNet mean/std on RGB [0, 1] for torchvision weights, BGR [0, 255]
    minus the Caffe means for ``.npy`` weights.
    """

    def __init__(self, weights: str | Path = "imagenet", seed: int = 0) -> None:
        super().__init__()
        self.features = _features_to_conv4_4()
        self.convention = "imagenet"
        self.source = str(weights)
        if weights == "random":
            log.warning("VGG19 uses RANDOM weights: perceptual losses (content, style) use random features")
            generator = torch.Generator().manual_seed(seed)
            for module in self.features:
                if isinstance(module, nn.Conv2d):
                    nn.init.kaiming_normal_(module.weight, generator=generator)
                    nn.init.zeros_(module.bias)
        elif weights == "imagenet":
            self._load_imagenet()
        else:
            self._load_file(Path(weights))
        mean, std = (IMAGENET_MEAN, IMAGENET_STD)
        self.register_buffer("imagenet_mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("imagenet_std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("caffe_mean", torch.tensor(CAFFE_BGR_MEAN).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def _load_imagenet(self) -> None:
        from torchvision.models import VGG19_Weights

        try:
            state = VGG19_Weights.IMAGENET1K_V1.get_state_dict(progress=True)
        except Exception as exc:  # noqa: BLE001 - any network or cache failure means the same to the user
            raise WeightsError(
                f"could not get ImageNet VGG19 weights ({type(exc).__name__}: {str(exc).splitlines()[0][:120]}); "
                f"use a local file (model.vgg.weights=/path/to/vgg19.npy or .pth) or model.vgg.weights=random"
            ) from None
        self._load_torchvision_state(state, "torchvision IMAGENET1K_V1")

    def _load_torchvision_state(self, state: dict[str, torch.Tensor], origin: str) -> None:
        wanted = self.features.state_dict()
        picked = {}
        for key in wanted:
            for candidate in (f"features.{key}", key):
                if candidate in state:
                    picked[key] = state[candidate]
                    break
            else:
                raise WeightsError(
                    f"{origin}: no tensor for VGG19 layer features.{key}; expected a torchvision vgg19 state dict"
                )
            if picked[key].shape != wanted[key].shape:
                raise WeightsError(
                    f"{origin}: features.{key} has shape {tuple(picked[key].shape)}, expected {tuple(wanted[key].shape)}"
                )
        self.features.load_state_dict(picked)

    def _load_file(self, path: Path) -> None:
        if not path.is_file():
            raise WeightsError(f"VGG19 weights file {path} does not exist; {SOURCES_HELP}")
        if path.suffix == ".npy":
            self._load_caffe_npy(path)
            self.convention = "caffe"
            return
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001
            raise WeightsError(
                f"{path}: not a loadable VGG19 state dict ({type(exc).__name__}); {SOURCES_HELP}"
            ) from None
        if not isinstance(state, dict):
            raise WeightsError(f"{path}: expected a state dict, found {type(state).__name__}")
        self._load_torchvision_state(state, str(path))

    def _load_caffe_npy(self, path: Path) -> None:
        layers = load_npy_dict(path)
        convs = [m for m in self.features if isinstance(m, nn.Conv2d)]
        for name, conv in zip(CAFFE_LAYER_NAMES, convs, strict=True):
            if name not in layers:
                raise WeightsError(f"{path}: layer {name} missing; expected the Caffe-converted vgg19.npy")
            weight, bias = (np.asarray(t, dtype=np.float32) for t in layers[name][:2])
            weight = torch.from_numpy(weight).permute(3, 2, 0, 1)  # (kh, kw, in, out) -> (out, in, kh, kw)
            if weight.shape != conv.weight.shape:
                raise WeightsError(
                    f"{path}: {name} has shape {tuple(weight.shape)}, expected {tuple(conv.weight.shape)}"
                )
            conv.weight.data.copy_(weight)
            conv.bias.data.copy_(torch.from_numpy(bias))

    def train(self, mode: bool = True) -> VGGFeatures:
        """Stay in eval mode whatever the caller asks: the network is a fixed feature extractor."""
        return super().train(False)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """Map images in [-1, 1] (RGB) to the input convention of the loaded weights."""
        if self.convention == "caffe":
            bgr = (x.flip(1) + 1.0) * 127.5
            return bgr - self.caffe_mean.to(x.dtype)
        return ((x + 1.0) / 2.0 - self.imagenet_mean.to(x.dtype)) / self.imagenet_std.to(x.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(self.normalize(x))
