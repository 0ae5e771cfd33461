"""AnimeGAN's training objective as one module: it owns the discriminator and the frozen VGG19 (taming style).

The LightningModule asks it for three losses, each returned with a dict of detached numbers to log:
``pretrain`` (content only), ``discriminator`` (the four LSGAN terms) and ``generator`` (adversarial + content +
style + colour + total variation). Weights are plain numbers from the config (``model.loss.*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
from torch import nn

from animegan.nets import Discriminator, VGGFeatures
from animegan.training import losses

Batch = Mapping[str, torch.Tensor]
LossAndLogs = tuple[torch.Tensor, dict[str, torch.Tensor]]
D_INPUTS = ("real", "fake", "gray", "smooth")  # the order of the discriminator's four inputs


@dataclass(frozen=True)
class LossWeights:
    """The weights of ``model.loss``: G terms, D scale and the D split over real/fake/gray/smooth."""

    adv_g: float = 300.0
    adv_d: float = 300.0
    content: float = 1.5
    style: float = 2.5
    color: float = 15.0
    tv: float = 1.0
    pretrain_color: float = 0.0  # not in the reference (content only): colour weight during pretrain
    d_split: Mapping[str, float] = field(
        default_factory=lambda: {"real": 1.2, "fake": 1.2, "gray": 1.2, "smooth": 0.8}
    )

    @classmethod
    def from_config(cls, config: Mapping | None) -> LossWeights:
        config = dict(config or {})
        if "d_split" in config:
            config["d_split"] = {name: float(config["d_split"][name]) for name in D_INPUTS}
        return cls(**config)


class AnimeGANCriterion(nn.Module):
    """Discriminator (absent in the pretrain stage) + frozen VGG19 conv4_4 features + loss weights."""

    def __init__(
        self,
        weights: LossWeights,
        vgg: VGGFeatures,
        discriminator: Discriminator | None = None,
        batched_discriminator: bool = True,
    ) -> None:
        super().__init__()
        self.weights = weights
        self.vgg = vgg.requires_grad_(False).eval()
        self.discriminator = discriminator
        self.batched_discriminator = batched_discriminator

    def pretrain(self, batch: Batch, fake: torch.Tensor) -> LossAndLogs:
        """Content loss (the reference's only pretrain term), plus colour if ``pretrain_color`` > 0."""
        with torch.no_grad():
            photo_features = self.vgg(batch["photo"])
        terms = {"content": self.weights.content * losses.content_loss(photo_features, self.vgg(fake))}
        if self.weights.pretrain_color:
            terms["color"] = self.weights.pretrain_color * losses.color_loss(batch["photo"], fake)
        loss = sum(terms.values())
        return loss, {name: value.detach() for name, value in terms.items()} | {"loss_g": loss.detach()}

    def discriminate(self, images: list[torch.Tensor]) -> list[torch.Tensor]:
        """D's patch logits for each image batch: one call on their concatenation, or one call each."""
        if not self.batched_discriminator:
            return [self.discriminator(x) for x in images]
        return list(self.discriminator(torch.cat(images)).split([len(x) for x in images]))

    def discriminator_loss(self, batch: Batch, fake: torch.Tensor) -> LossAndLogs:
        """LSGAN D loss: anime towards 1; G(photo) (detached), grayscale anime and smoothed grayscale towards 0."""
        inputs = [batch["anime"], fake.detach(), batch["anime_gray"], batch["smooth_gray"]]
        logits = dict(zip(D_INPUTS, self.discriminate(inputs), strict=True))
        terms = losses.discriminator_loss_terms(**logits)
        loss = losses.discriminator_loss(terms, self.weights.d_split, self.weights.adv_d)
        logs = {f"d_{name}": value.detach() for name, value in terms.items()}
        logs |= {f"d_out_{name}": value.detach().float().mean() for name, value in logits.items()}
        logs["loss_d"] = loss.detach()
        return loss, logs

    def generator_loss(self, batch: Batch, fake: torch.Tensor) -> LossAndLogs:
        """Adversarial + content + grayscale style + colour + TV; targets' VGG features carry no graph."""
        w = self.weights
        with torch.no_grad():
            photo_features, style_features = self.vgg(torch.cat([batch["photo"], batch["anime_gray"]])).chunk(
                2
            )
        fake_features = self.vgg(fake)
        terms = {
            "adv": w.adv_g * losses.generator_adversarial_loss(self.discriminator(fake)),
            "content": w.content * losses.content_loss(photo_features, fake_features),
            "style": w.style * losses.style_loss(style_features, fake_features),
            "color": w.color * losses.color_loss(batch["photo"], fake),
            "tv": w.tv * losses.total_variation_loss(fake),
        }
        loss = sum(terms.values())
        logs = {name: value.detach() for name, value in terms.items()} | {"loss_g": loss.detach()}
        return loss, logs

    @torch.no_grad()
    def distances(
        self, photo: torch.Tensor, fake: torch.Tensor, style_gram: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        """Per-image content distance to the photo and Gram distance to a reference style Gram (unweighted)."""
        photo_features, fake_features = self.vgg(photo).float(), self.vgg(fake).float()
        out = {"content_distance": (fake_features - photo_features).abs().flatten(1).mean(1)}
        if style_gram is not None:
            grams = losses.gram(fake_features)
            out["style_distance"] = (grams - style_gram.to(grams)).abs().flatten(1).mean(1)
        return out

    @torch.no_grad()
    def mean_gram(self, images: torch.Tensor) -> torch.Tensor:
        """The mean Gram matrix of the VGG features of ``images`` (the reference of the style distance)."""
        return losses.gram(self.vgg(images).float()).mean(0, keepdim=True)
