"""VGG19 features: several pre-ReLU layers from one pass (AnimeGANv3), conv4_4 alone as before (v1/v2)."""

from __future__ import annotations

import pytest
import torch

from animegan.nets import VGGFeatures
from animegan.nets.vgg import LAYER_INDEX


def test_layers_are_the_pre_relu_outputs_of_their_convolutions() -> None:
    vgg = VGGFeatures(seed=1)
    x = torch.rand(2, 3, 64, 48) * 2 - 1
    with torch.no_grad():
        got = vgg.layers(x, ["conv2_2", "conv3_3", "conv4_4"])
        h, expected = vgg.normalize(x), {}
        for index, module in enumerate(vgg.features):
            h = module(h.clone())  # clone: the in-place ReLUs must not touch what was kept
            for name, wanted in LAYER_INDEX.items():
                if index == wanted:
                    expected[name] = h.clone()
        assert {k: tuple(v.shape[1:]) for k, v in got.items()} == {
            "conv2_2": (128, 32, 24),
            "conv3_3": (256, 16, 12),
            "conv4_4": (512, 8, 6),
        }
        for name in got:
            torch.testing.assert_close(got[name], expected[name])
            assert (got[name] < 0).any()  # before the ReLU
        torch.testing.assert_close(vgg(x), got["conv4_4"])
    assert [type(vgg.features[i]).__name__ for i in LAYER_INDEX.values()] == ["Conv2d"] * 3
    with pytest.raises(ValueError, match="unknown VGG layer"):
        vgg.layers(x, ["conv5_4"])
