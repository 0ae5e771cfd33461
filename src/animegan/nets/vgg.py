"""Frozen VGG19 features up to conv4_4 (before its ReLU), the perceptual network of AnimeGAN's losses.

``vgg(x)`` is conv4_4 (v1/v2 losses); ``vgg.layers(x, names)`` returns several pre-ReLU layers of one pass
(v3's style loss reads conv2_2, conv3_3 and conv4_4).

Plain PyTorch: the weights come from ``animegan.weights.vgg.load_vgg`` (torchvision, Caffe ``vgg19.npy``, a file,
or random). ``convention`` says which input normalisation those weights expect.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.vgg import cfgs, make_layers

CONV4_4_INDEX = 25  # torchvision's vgg19().features[25] is conv4_4
LAYER_INDEX = {"conv2_2": 7, "conv3_3": 14, "conv4_4": CONV4_4_INDEX}  # in torchvision's vgg19().features
CONVENTIONS = ("imagenet", "caffe")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)


def _features_to_conv4_4() -> nn.Sequential:
    return make_layers(cfgs["E"])[: CONV4_4_INDEX + 1]  # VGG19's feature stack, without the classifier


class VGGFeatures(nn.Module):
    """conv4_4 pre-ReLU features of images in [-1, 1]; parameters frozen, always in eval mode.

    ``convention``: ``"imagenet"`` (RGB [0, 1] with ImageNet mean/std, torchvision weights) or ``"caffe"``
    (BGR [0, 255] minus the Caffe means, the original ``vgg19.npy``). Built with random (He) weights from ``seed``;
    ``source`` names where the loaded weights came from.
    """

    def __init__(self, convention: str = "imagenet", seed: int = 0) -> None:
        super().__init__()
        if convention not in CONVENTIONS:
            raise ValueError(f"unknown VGG input convention {convention!r}; expected one of {CONVENTIONS}")
        self.features = _features_to_conv4_4()
        self.convention = convention
        self.source = "random"
        generator = torch.Generator().manual_seed(seed)
        for module in self.features:
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, generator=generator)
                nn.init.zeros_(module.bias)
        self.register_buffer("imagenet_mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("imagenet_std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("caffe_mean", torch.tensor(CAFFE_BGR_MEAN).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def convs(self) -> list[nn.Conv2d]:
        """The 12 convolutions conv1_1 ... conv4_4 in order."""
        return [m for m in self.features if isinstance(m, nn.Conv2d)]

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

    def layers(self, x: torch.Tensor, names: Sequence[str]) -> dict[str, torch.Tensor]:
        """Pre-ReLU activations of the named layers (keys of ``LAYER_INDEX``) from one forward pass."""
        unknown = [name for name in names if name not in LAYER_INDEX]
        if unknown:
            raise ValueError(f"unknown VGG layer {unknown[0]!r}; expected one of {list(LAYER_INDEX)}")
        wanted = {LAYER_INDEX[name]: name for name in names}
        out: dict[str, torch.Tensor] = {}
        h = self.normalize(x)
        for index, module in enumerate(self.features[: max(wanted) + 1]):
            # the in-place ReLU after a kept layer would overwrite it: apply that one out of place
            h = F.relu(h) if isinstance(module, nn.ReLU) and index - 1 in wanted else module(h)
            if index in wanted:
                out[wanted[index]] = h
        return out
