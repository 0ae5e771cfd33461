"""AnimeGANv3's loss formulas (reference section 3.1) in NumPy, written from the reference text: the independent
side of the v3 loss and criterion tests. Images NCHW in [-1, 1]; features NCHW."""

from __future__ import annotations

import numpy as np

TF_GRAY = np.array([0.2989, 0.5870, 0.1140])


def l1(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).mean())


def gray3(images: np.ndarray) -> np.ndarray:
    gray = np.einsum("c,bchw->bhw", TF_GRAY, images)
    return np.repeat(gray[:, None], 3, axis=1)


def vgg_l1(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """VGG_LOSS: L1 of conv4_4 features / 512 (the channel count)."""
    return l1(features_a, features_b) / features_a.shape[1]


def centred_gram(features: np.ndarray) -> np.ndarray:
    b, c, h, w = features.shape
    flat = np.asarray(features, np.float64).reshape(b, c, h * w).transpose(0, 2, 1)  # B x hw x C as TF
    flat = flat - flat.mean(axis=1, keepdims=True)
    return np.einsum("bnc,bnd->bcd", flat, flat) / (h * w * c)


def style_term(anime_features: np.ndarray, fake_features: np.ndarray) -> float:
    return l1(centred_gram(anime_features), centred_gram(fake_features)) / anime_features.shape[1]


def lab(rgb: np.ndarray) -> np.ndarray:
    """tf_color_ops.rgb_to_lab of NCHW RGB in [0, 1]: linearise, XYZ, white point, f(t), L a b."""
    c = np.moveaxis(np.asarray(rgb, np.float64), 1, -1)
    linear = np.where(c > 0.04045, ((np.maximum(c, 0.04045) + 0.055) / 1.055) ** 2.4, c / 12.92)
    m = np.array(
        [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]]
    )
    t = linear @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(np.maximum(t, 0.008856)), 7.787 * t + 16 / 116)
    out = np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)
    return np.moveaxis(out, -1, 1)


def lab_loss(photo: np.ndarray, fake: np.ndarray) -> float:
    p, f = lab((photo + 1) / 2), lab((fake + 1) / 2)
    return (
        2 * l1(p[:, 0] / 100, f[:, 0] / 100)
        + l1((p[:, 1] + 128) / 255, (f[:, 1] + 128) / 255)
        + l1((p[:, 2] + 128) / 255, (f[:, 2] + 128) / 255)
    )


def total_variation(x: np.ndarray) -> float:
    x = np.asarray(x, np.float64)
    dh = x[:, :, :-1] - x[:, :, 1:]
    dw = x[:, :, :, :-1] - x[:, :, :, 1:]
    return float((dh**2).mean() / 2 + (dw**2).mean() / 2)


def least_squares(logits: np.ndarray, target: float) -> float:
    return float(((np.asarray(logits, np.float64) - target) ** 2).mean())
