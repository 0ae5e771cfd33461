"""AnimeGAN's training objective as one module: it owns the discriminator and the frozen VGG19 (taming style).

The LightningModule asks it for three losses, each returned with a dict of detached numbers to log:
``pretrain`` (content only), ``discriminator`` (the four LSGAN terms) and ``generator`` (adversarial + content +
style + colour + total variation). The weights are constructor arguments, given by the config (``model.loss.*``).
:class:`Criterion` is what every family's criterion shares (v3's is in ``criterion_v3``): the order of its updates
as data (``stage_phases``), per-step inputs, and the validation distances.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple

import torch
from torch import nn

from animegan.nets import VGGFeatures
from animegan.training import losses

Batch = Mapping[str, torch.Tensor]
LossAndLogs = tuple[torch.Tensor, dict[str, torch.Tensor]]
D_INPUTS = ("real", "fake", "gray", "smooth")  # the order of the discriminator's four inputs


def loss_logs(
    terms: Mapping[str, torch.Tensor],
    total: tuple[str, torch.Tensor],
    prefix: str = "",
    logits: Mapping[str, torch.Tensor] | None = None,
) -> dict[str, torch.Tensor]:
    """What a loss logs, detached from the graph: each term (``prefix`` + its name), the mean of each
    discriminator output (``d_out_<name>``) and the total (``total``: its name and value)."""
    logs = {f"{prefix}{name}": value.detach() for name, value in terms.items()}
    logs |= {f"d_out_{name}": value.detach().float().mean() for name, value in (logits or {}).items()}
    return logs | {total[0]: total[1].detach()}


class PhaseSpec(NamedTuple):
    """One optimizer update of a stage as a criterion declares it.

    ``network``: ``"generator"`` or ``"discriminator"``; ``loss``: the criterion method giving its loss;
    ``lr``: the ``model.optim`` key of its learning rate; ``regenerate``: run G again (no grad) before it, so that
    it sees the generator as the earlier phases of the step left it.
    """

    network: str
    loss: str
    lr: str
    regenerate: bool = False


class Criterion(nn.Module):
    """What the module needs of a criterion: the frozen VGG19, the discriminator(s), the phases of each stage,
    per-step inputs, and the validation distances (conv4_4 content L1, Gram L1 to a style reference)."""

    stage_phases: ClassVar[Mapping[str, tuple[PhaseSpec, ...]]] = {
        "pretrain": (PhaseSpec("generator", "pretrain", "init_lr"),),
        "adversarial": (
            PhaseSpec("discriminator", "discriminator_loss", "d_lr"),
            PhaseSpec("generator", "generator_loss", "g_lr"),
        ),
    }

    def __init__(
        self, vgg: VGGFeatures, discriminator: nn.Module | None, batched_discriminator: bool
    ) -> None:
        super().__init__()
        self.vgg = vgg.requires_grad_(False).eval()
        self.discriminator = discriminator
        self.batched_discriminator = batched_discriminator

    def discriminate(
        self, images: list[torch.Tensor], network: nn.Module | None = None
    ) -> list[torch.Tensor]:
        """The patch logits of ``network`` (default: the discriminator) for each image batch: one call on their
        concatenation (``batched_discriminator``), or one call each."""
        network = self.discriminator if network is None else network
        if not self.batched_discriminator:
            return [network(x) for x in images]
        return list(network(torch.cat(images)).split([len(x) for x in images]))

    @property
    def weights(self) -> dict[str, Any]:
        """The loss weights as plain numbers (recorded in checkpoints and sent to the loggers)."""
        raise NotImplementedError

    def step_inputs(self, stage: str, batch: Batch, fake: Any) -> Batch:
        """The batch the phases of one step see, given G's output for it (v2: the loader's batch)."""
        return batch

    def leaves_parameters_unused(self, stage: str) -> bool:
        """Whether a backward of ``stage`` leaves trained parameters out of its graph: with several phases, each
        trains one network while the others' parameters get no gradient."""
        return len(self.stage_phases[stage]) > 1

    def close(self) -> None:
        """Release what the criterion started (worker pools); nothing here."""

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


class AnimeGANCriterion(Criterion):
    """Discriminator (None in the pretrain stage) + frozen VGG19 conv4_4 features + the loss weights.

    The weights are those of ``model.loss`` (presets in ``conf/loss/``): ``adv_g``, ``content``, ``style``,
    ``color`` and ``tv`` scale the generator terms, ``pretrain_content`` and ``pretrain_color`` the terms of the
    pretrain stage (the reference: ``content`` and no colour),
    ``adv_d`` the discriminator loss and ``d_split`` its real/fake/gray/smooth terms. ``batched_discriminator``:
    one D call on the four inputs concatenated instead of one call each.
    """

    def __init__(
        self,
        vgg: VGGFeatures,
        discriminator: nn.Module | None,
        *,
        adv_g: float,
        adv_d: float,
        content: float,
        style: float,
        color: float,
        tv: float,
        pretrain_content: float,
        pretrain_color: float,
        d_split: Mapping[str, float],
        batched_discriminator: bool,
    ) -> None:
        super().__init__(vgg, discriminator, batched_discriminator)
        self.adv_g, self.adv_d, self.content, self.style = adv_g, adv_d, content, style
        self.color, self.tv = color, tv
        self.pretrain_content, self.pretrain_color = pretrain_content, pretrain_color
        if pretrain_content <= 0 and pretrain_color <= 0:
            raise ValueError(
                f"model.loss: pretrain_content={pretrain_content}, pretrain_color={pretrain_color}: "
                "expected at least one > 0 (the pretrain stage would learn nothing)"
            )
        self.d_split = {name: float(d_split[name]) for name in D_INPUTS}

    @property
    def weights(self) -> dict[str, float | dict[str, float]]:
        """The loss weights as plain numbers (recorded in checkpoints and sent to the loggers)."""
        return {
            "adv_g": self.adv_g,
            "adv_d": self.adv_d,
            "content": self.content,
            "style": self.style,
            "color": self.color,
            "tv": self.tv,
            "pretrain_content": self.pretrain_content,
            "pretrain_color": self.pretrain_color,
            "d_split": dict(self.d_split),
        }

    def pretrain(self, batch: Batch, fake: torch.Tensor) -> LossAndLogs:
        """Content loss (the reference's only pretrain term), plus colour; a term whose weight is 0 is skipped
        (no VGG pass without content)."""
        terms: dict[str, torch.Tensor] = {}
        if self.pretrain_content:
            with torch.no_grad():
                photo_features = self.vgg(batch["photo"])
            terms["content"] = self.pretrain_content * losses.content_loss(photo_features, self.vgg(fake))
        if self.pretrain_color:
            terms["color"] = self.pretrain_color * losses.color_loss(batch["photo"], fake)
        loss = sum(terms.values())
        return loss, loss_logs(terms, ("loss_g", loss))

    def discriminator_loss(self, batch: Batch, fake: torch.Tensor) -> LossAndLogs:
        """LSGAN D loss: anime towards 1; G(photo) (detached), grayscale anime and smoothed grayscale towards 0."""
        inputs = [batch["anime"], fake.detach(), batch["anime_gray"], batch["smooth_gray"]]
        logits = dict(zip(D_INPUTS, self.discriminate(inputs), strict=True))
        terms = losses.discriminator_loss_terms(**logits)
        loss = losses.discriminator_loss(terms, self.d_split, self.adv_d)
        return loss, loss_logs(terms, ("loss_d", loss), prefix="d_", logits=logits)

    def generator_loss(self, batch: Batch, fake: torch.Tensor) -> LossAndLogs:
        """Adversarial + content + grayscale style + colour + TV; targets' VGG features carry no graph."""
        targets = torch.cat([batch["photo"], batch["anime_gray"]])
        with torch.no_grad():
            photo_features, style_features = self.vgg(targets).chunk(2)
        fake_features = self.vgg(fake)
        terms = {
            "adv": self.adv_g * losses.generator_adversarial_loss(self.discriminator(fake)),
            "content": self.content * losses.content_loss(photo_features, fake_features),
            "style": self.style * losses.style_loss(style_features, fake_features),
            "color": self.color * losses.color_loss(batch["photo"], fake),
            "tv": self.tv * losses.total_variation_loss(fake),
        }
        loss = sum(terms.values())
        return loss, loss_logs(terms, ("loss_g", loss))
