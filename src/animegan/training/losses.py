"""AnimeGAN losses as pure functions on tensors (images in [-1, 1], NCHW).

Every loss computes in float32 with autocast switched off inside (:func:`in_fp32`): under fp16/bf16 autocast the
Gram matrix of conv4_4 features at the Caffe VGG scale (values up to ~1e3) overflows in fp16 and loses precision
in bf16, because autocast runs its matmul in the low dtype even on float32 inputs. Results are float32.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import torch
import torch.nn.functional as F

LossFn = TypeVar("LossFn", bound=Callable[..., Any])

# TF rgb_to_yuv matrix (rows Y, U, V) used by the original colour loss.
RGB_TO_YUV = torch.tensor(
    [
        [0.299, 0.587, 0.114],
        [-0.14714119, -0.28886916, 0.43601035],
        [0.61497538, -0.51496512, -0.10001026],
    ]
)
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


def in_fp32(fn: LossFn) -> LossFn:
    """Run ``fn`` with autocast off on its tensors' device and its floating-point tensor arguments in float32."""

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> Any:
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)]
        device_type = tensors[0].device.type if tensors else "cpu"

        def up(value: object) -> object:
            is_float = isinstance(value, torch.Tensor) and value.is_floating_point()
            return value.float() if is_float else value

        with torch.autocast(device_type=device_type, enabled=False):
            return fn(*(up(a) for a in args), **{k: up(v) for k, v in kwargs.items()})

    return wrapper  # type: ignore[return-value]


def grayscale(images: torch.Tensor) -> torch.Tensor:
    """Luminance (BT.601 weights) copied to 3 channels, same range as the input."""
    weights = images.new_tensor(LUMA_WEIGHTS).view(1, 3, 1, 1)
    luma = (images * weights).sum(dim=1, keepdim=True)
    return luma.expand(-1, 3, -1, -1)


@in_fp32
def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix per image: F^T F / (H*W*C) with F of shape (H*W, C); returns (B, C, C)."""
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w)
    return torch.bmm(flat, flat.transpose(1, 2)) / (h * w * c)


@in_fp32
def content_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """L1 between VGG features of the photo and of its stylization."""
    return F.l1_loss(fake_features, real_features)


@in_fp32
def style_loss(style_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """L1 between Gram matrices of the (grayscale) anime features and the stylized photo features."""
    return F.l1_loss(gram(fake_features), gram(style_features))


@in_fp32
def rgb_to_yuv(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] -> [0, 1] -> YUV with TF's rgb_to_yuv matrix."""
    rgb = (images + 1.0) / 2.0
    return torch.einsum("ij,bjhw->bihw", RGB_TO_YUV.to(rgb.device), rgb)


@in_fp32
def color_loss(photo: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """L1 on Y plus Huber (delta 1) on U and V between the photo and its stylization."""
    yuv_photo, yuv_fake = rgb_to_yuv(photo), rgb_to_yuv(fake)
    return (
        F.l1_loss(yuv_fake[:, 0], yuv_photo[:, 0])
        + F.huber_loss(yuv_fake[:, 1], yuv_photo[:, 1], delta=1.0)
        + F.huber_loss(yuv_fake[:, 2], yuv_photo[:, 2], delta=1.0)
    )


@in_fp32
def total_variation_loss(images: torch.Tensor) -> torch.Tensor:
    """AnimeGANv2 TV: mean(dh^2)/2 + mean(dw^2)/2."""
    dh = images[:, :, 1:, :] - images[:, :, :-1, :]
    dw = images[:, :, :, 1:] - images[:, :, :, :-1]
    return dh.pow(2).mean() / 2 + dw.pow(2).mean() / 2


@in_fp32
def generator_adversarial_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """LSGAN generator term: mean((D(G(p)) - 1)^2)."""
    return (fake_logits - 1.0).pow(2).mean()


@in_fp32
def discriminator_loss_terms(
    real: torch.Tensor, fake: torch.Tensor, gray: torch.Tensor, smooth: torch.Tensor
) -> dict[str, torch.Tensor]:
    """LSGAN discriminator terms: real anime towards 1; fake, grayscale anime and smoothed grayscale towards 0."""
    return {
        "real": (real - 1.0).pow(2).mean(),
        "fake": fake.pow(2).mean(),
        "gray": gray.pow(2).mean(),
        "smooth": smooth.pow(2).mean(),
    }


def discriminator_loss(
    terms: Mapping[str, torch.Tensor], split: Mapping[str, float], weight: float = 1.0
) -> torch.Tensor:
    """Weighted sum of the four D terms: weight * sum(split[k] * terms[k])."""
    return weight * sum(float(split[name]) * value for name, value in terms.items())
