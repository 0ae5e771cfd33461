"""Superpixel images (AnimeGANv3's region-smoothing targets): felzenszwalb segments painted with their mean colour.

As the reference does it: ``skimage.segmentation.felzenszwalb`` on the RGB uint8 image, then every segment painted
with its mean RGB written into a uint8 image, i.e. truncated (what ``label2rgb(kind="avg")`` does with a uint8
input). The photos' superpixels are made once by ``animegan prepare --superpixels`` into the reference's folder
``seg_train_5-0.8-50/`` beside ``train_photo/``; those of generated images are made at every training step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SuperpixelSettings:
    """felzenszwalb parameters (``scale`` in skimage's units, Gaussian ``sigma``, ``min_size`` in pixels).

    No defaults: the online targets' values live in the v3 loss presets (``conf/loss/v3_*.yaml``,
    ``model.loss.targets.superpixel``), the offline photo set's in ``PHOTO_SUPERPIXELS`` only.
    """

    scale: float
    sigma: float
    min_size: int

    @property
    def dirname(self) -> str:
        """The reference's folder name for photo superpixels made with these settings (seg_train_5-0.8-50)."""
        return f"seg_train_{self.scale:g}-{self.sigma:g}-{self.min_size}"


# the reference's offline photo set, seg_train_5-0.8-50/ (both styles; the online targets differ per style)
PHOTO_SUPERPIXELS = SuperpixelSettings(scale=5.0, sigma=0.8, min_size=50)


def segment_means(rgb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each labelled segment of ``rgb`` (H, W, 3) painted with its mean colour, truncated to ``rgb``'s dtype."""
    flat = labels.ravel()
    _, index = np.unique(flat, return_inverse=True)
    counts = np.bincount(index)
    pixels = rgb.reshape(-1, 3).astype(np.float64)
    means = np.stack([np.bincount(index, weights=pixels[:, c]) / counts for c in range(3)], axis=1)
    return means[index].astype(rgb.dtype).reshape(rgb.shape)


def superpixel_image(rgb: np.ndarray, settings: SuperpixelSettings = PHOTO_SUPERPIXELS) -> np.ndarray:
    """The superpixel image of an RGB uint8 image: felzenszwalb segments with their (truncated) mean colours."""
    from skimage.segmentation import felzenszwalb  # heavy: imported when first used

    labels = felzenszwalb(rgb, scale=settings.scale, sigma=settings.sigma, min_size=settings.min_size)
    return segment_means(rgb, labels)
