"""AnimeGANv3 losses as pure functions on tensors (images NCHW in [-1, 1]; features NCHW), in at least float32
(half-precision inputs under autocast are upcast).

Reference section 3.1: VGG L1 / channels, centred Gram style terms, CIE Lab colour, LSGAN with soft targets.
Total variation is the v2 formula (``losses.total_variation_loss``).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F

from animegan.nets.lade import at_least_float32 as wide

TF_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)  # tf.image.rgb_to_grayscale
# sRGB (D65) -> XYZ, the white point, and the CIE f(t) threshold of tf_color_ops.rgb_to_lab
RGB_TO_XYZ = (
    (0.412453, 0.357580, 0.180423),
    (0.212671, 0.715160, 0.072169),
    (0.019334, 0.119193, 0.950227),
)
WHITE_POINT = (0.95047, 1.0, 1.08883)
LINEAR_THRESHOLD = 0.04045
CUBE_THRESHOLD = 0.008856


def gray3(images: torch.Tensor) -> torch.Tensor:
    """TF's grayscale (0.2989 R + 0.5870 G + 0.1140 B) of [-1, 1] values, copied to 3 channels."""
    weights = images.new_tensor(TF_GRAY_WEIGHTS).view(1, 3, 1, 1)
    return (images * weights).sum(dim=1, keepdim=True).expand(-1, 3, -1, -1)


def vgg_l1(features_a: torch.Tensor, features_b: torch.Tensor) -> torch.Tensor:
    """``VGG_LOSS``: L1 between two feature maps divided by their channel count (512 at conv4_4)."""
    return F.l1_loss(wide(features_a), wide(features_b)) / features_a.shape[1]


def centred_gram(features: torch.Tensor) -> torch.Tensor:
    """Per image, F_c^T F_c / (h w C) with F_c the features minus their per-channel spatial mean: (B, C, C)."""
    b, c, h, w = features.shape
    flat = wide(features).reshape(b, c, h * w)
    centred = flat - flat.mean(dim=2, keepdim=True)
    return torch.bmm(centred, centred.transpose(1, 2)) / (h * w * c)


def style_terms(
    style_features: Mapping[str, torch.Tensor],
    fake_features: Mapping[str, torch.Tensor],
    weights: Mapping[str, float],
) -> dict[str, torch.Tensor]:
    """``style_loss_decentralization_3``: weight * L1 between centred Grams / channels, for each weighted layer."""
    return {
        layer: float(weight)
        * F.l1_loss(centred_gram(fake_features[layer]), centred_gram(style_features[layer]))
        / fake_features[layer].shape[1]
        for layer, weight in weights.items()
    }


def _linearise(c: torch.Tensor) -> torch.Tensor:
    # the clamp keeps the unselected branch finite, so its gradient is 0 instead of NaN
    power = ((c.clamp_min(LINEAR_THRESHOLD) + 0.055) / 1.055) ** 2.4
    return torch.where(c > LINEAR_THRESHOLD, power, c / 12.92)


def _cie_f(t: torch.Tensor) -> torch.Tensor:
    # clamped before the cube root: at t = 0 the root's gradient is infinite, and 0 * inf is NaN
    root = t.clamp_min(CUBE_THRESHOLD) ** (1.0 / 3.0)
    return torch.where(t > CUBE_THRESHOLD, root, 7.787 * t + 16.0 / 116.0)


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """CIE Lab (D65, 2 degrees) of NCHW RGB in [0, 1] (not clipped), as tf_color_ops.rgb_to_lab computes it."""
    linear = _linearise(wide(rgb))
    xyz = torch.einsum("ij,bjhw->bihw", linear.new_tensor(RGB_TO_XYZ), linear)
    fx, fy, fz = _cie_f(xyz / linear.new_tensor(WHITE_POINT).view(1, 3, 1, 1)).unbind(1)
    return torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=1)


def lab_color_loss(photo: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """``Lab_color_loss`` (weight 1): 2 L1(L/100) + L1((a+128)/255) + L1((b+128)/255) of (x + 1) / 2."""
    lab_photo, lab_fake = rgb_to_lab((photo + 1.0) / 2.0), rgb_to_lab((fake + 1.0) / 2.0)
    scale = lab_photo.new_tensor([100.0, 255.0, 255.0]).view(1, 3, 1, 1)
    offset = lab_photo.new_tensor([0.0, 128.0, 128.0]).view(1, 3, 1, 1)
    per_channel = ((lab_photo + offset) / scale - (lab_fake + offset) / scale).abs().mean(dim=(0, 2, 3))
    return 2.0 * per_channel[0] + per_channel[1] + per_channel[2]


def least_squares(logits: torch.Tensor, target: float) -> torch.Tensor:
    """LSGAN term mean((logits - target)^2)."""
    return (wide(logits) - target).square().mean()
