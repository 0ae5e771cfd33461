"""AnimeGANv3 losses against NumPy implementations of the reference formulas (section 3.1) and the numbers of
section 7 (TV 0.5, Lab 2.00003, centred Gram facts), and NaN-free Lab gradients at black pixels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers.v3_reference import centred_gram as centred_gram_numpy
from helpers.v3_reference import lab as lab_numpy
from helpers.v3_reference import lab_loss as lab_loss_numpy
from helpers.v3_reference import total_variation as tv_numpy

from animegan.training import losses
from animegan.training.losses_v3 import (
    centred_gram,
    gray3,
    lab_color_loss,
    least_squares,
    rgb_to_lab,
    style_terms,
    vgg_l1,
)


def test_section_7_total_variation_number() -> None:
    image = torch.tensor([[0.0, 1.0], [0.0, 1.0]]).view(1, 1, 2, 2)
    assert losses.total_variation_loss(image).item() == pytest.approx(0.5)  # vertical 0, horizontal 1 / 2
    assert tv_numpy(image.numpy()) == pytest.approx(0.5)
    rough = np.random.default_rng(3).random((2, 3, 5, 4))
    assert losses.total_variation_loss(torch.from_numpy(rough)).item() == pytest.approx(
        tv_numpy(rough), rel=1e-6
    )


def test_section_7_lab_number_white_photo_black_fake() -> None:
    white, black = torch.ones(1, 3, 4, 4), -torch.ones(1, 3, 4, 4)
    assert lab_color_loss(white, black).item() == pytest.approx(2.00003, abs=1e-5)
    lab_white = rgb_to_lab(torch.ones(1, 3, 1, 1)).flatten().tolist()
    assert lab_white == pytest.approx([100.0, -0.0025, 0.0047], abs=2e-4)
    assert rgb_to_lab(torch.zeros(1, 3, 1, 1)).abs().max() < 1e-6


def test_lab_matches_numpy_on_random_images() -> None:
    rng = np.random.default_rng(0)
    photo, fake = rng.uniform(-1, 1, (2, 3, 6, 5)), rng.uniform(-1, 1, (2, 3, 6, 5))
    np.testing.assert_allclose(
        rgb_to_lab(torch.from_numpy((photo + 1) / 2)).numpy(),
        lab_numpy((photo + 1) / 2),
        rtol=1e-10,
        atol=1e-10,
    )
    got = lab_color_loss(torch.from_numpy(photo), torch.from_numpy(fake)).item()
    assert got == pytest.approx(lab_loss_numpy(photo, fake), rel=1e-10)


def test_lab_gradients_are_finite_at_black_and_below_the_thresholds() -> None:
    fake = torch.tensor([-1.0, -0.999, -0.95, 0.0, 1.0]).view(1, 1, 1, 5).expand(1, 3, 1, 5).clone()
    fake.requires_grad_(True)
    lab_color_loss(torch.zeros(1, 3, 1, 5), fake).backward()
    assert torch.isfinite(fake.grad).all()


def test_centred_gram_matches_numpy_and_section_7_facts() -> None:
    rng = np.random.default_rng(1)
    features = rng.normal(size=(2, 5, 4, 3))
    np.testing.assert_allclose(
        centred_gram(torch.from_numpy(features)).numpy(), centred_gram_numpy(features), atol=1e-12
    )
    constant = torch.ones(1, 5, 4, 3) * torch.arange(5.0).view(1, 5, 1, 1)
    assert centred_gram(constant).abs().max() == 0  # zero for a spatially constant map
    shift = torch.from_numpy(rng.normal(size=(1, 5, 1, 1)))
    a, f = torch.from_numpy(features), torch.from_numpy(rng.normal(size=(2, 5, 4, 3)))
    weights = {"conv2_2": 1.0}
    plain = style_terms({"conv2_2": a}, {"conv2_2": f}, weights)["conv2_2"]
    shifted = style_terms({"conv2_2": a + shift}, {"conv2_2": f + 3 * shift}, weights)["conv2_2"]
    torch.testing.assert_close(plain, shifted)  # per-channel constants are ignored


def test_style_terms_weights_and_channel_division() -> None:
    rng = np.random.default_rng(2)
    layers = {"conv2_2": 4, "conv3_3": 6, "conv4_4": 8}
    anime = {k: rng.normal(size=(2, c, 3, 3)) for k, c in layers.items()}
    fake = {k: rng.normal(size=(2, c, 3, 3)) for k, c in layers.items()}
    weights = {"conv2_2": 0.1, "conv3_3": 5.0, "conv4_4": 25.0}
    got = style_terms(
        {k: torch.from_numpy(v) for k, v in anime.items()},
        {k: torch.from_numpy(v) for k, v in fake.items()},
        weights,
    )
    for layer, c in layers.items():
        expected = (
            weights[layer]
            * np.abs(centred_gram_numpy(anime[layer]) - centred_gram_numpy(fake[layer])).mean()
            / c
        )
        assert got[layer].item() == pytest.approx(expected, rel=1e-10)


def test_vgg_l1_divides_by_the_channels_and_gray_uses_tf_weights() -> None:
    a, b = torch.zeros(1, 512, 2, 2), torch.full((1, 512, 2, 2), 2.0)
    assert vgg_l1(a, b).item() == pytest.approx(2.0 / 512)
    rgb = torch.tensor([1.0, -1.0, 0.5]).view(1, 3, 1, 1)
    expected = 0.2989 * 1.0 + 0.5870 * -1.0 + 0.1140 * 0.5
    assert gray3(rgb).flatten().tolist() == pytest.approx([expected] * 3)
    assert gray3(-torch.ones(1, 3, 1, 1)).flatten()[0].item() == pytest.approx(-0.9999)


def test_least_squares_targets() -> None:
    logits = torch.tensor([0.0, 1.0, 2.0])
    assert least_squares(logits, 0.9).item() == pytest.approx(np.mean((np.array([0, 1, 2]) - 0.9) ** 2))
    assert least_squares(logits, 0.0).item() == pytest.approx(5 / 3)
