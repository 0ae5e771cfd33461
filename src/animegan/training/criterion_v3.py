"""AnimeGANv3's training objective (reference section 3.2): support and main generator losses, two LSGAN Ds.

Support (on Gs^, the guided-filtered support output): LSGAN towards 0.9 on the grayscale D, content, centred-Gram
style on grayscale images, region smoothing to the superpixel images of Gs^ (online) and of the photo (offline),
CIE Lab colour, TV. Main (on Gm): LSGAN towards 1 on the colour D, pixel L1 and VGG L1 to the NL0 target, TV.
D: 0.9/0.1 targets for the support D (real grayscale anime; fake grayscale Gs^ and smoothed anime), 1/0 for the
main D (NL0 real, Gm fake), the main part weighted by ``d_main``. Each step: one G(photo), online targets started
from it on the CPU, the G update, then the D update on G(photo) recomputed with the updated G.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch import nn

from animegan.nets import VGGFeatures
from animegan.nets.generator_v3 import V3Output
from animegan.training import losses
from animegan.training.criterion import Batch, Criterion, LossAndLogs, PhaseSpec, loss_logs
from animegan.training.losses_v3 import gray3, lab_color_loss, least_squares, style_terms, vgg_l1
from animegan.training.targets_v3 import OnlineTargets, PendingTargets

SUPPORT_REAL, SUPPORT_FAKE = 0.9, 0.1  # LSGAN targets of the support pair (the generator aims at 0.9)
MAIN_REAL, MAIN_FAKE = 1.0, 0.0
CONTENT_LAYER = "conv4_4"


class StepBatch(Mapping):
    """The loader's batch plus this step's online targets (``fake_superpixel``, ``fake_nl0``), each waited for
    the first time a loss reads it."""

    def __init__(self, batch: Batch, targets: PendingTargets) -> None:
        self.batch, self.targets = batch, targets

    def __getitem__(self, key: str) -> torch.Tensor:
        return self.targets.get(key) if key in self.targets.jobs else self.batch[key]

    def __iter__(self) -> Iterator[str]:
        return iter([*self.batch, *self.targets.jobs])

    def __len__(self) -> int:
        return len(self.batch) + len(self.targets.jobs)


class AnimeGANv3Criterion(Criterion):
    """Discriminator pair (``support``, ``main``; None in pretrain) + frozen VGG19 + the v3 loss weights.

    Weights (``model.loss``, presets ``conf/loss/v3_hayao.yaml`` and ``v3_shinkai.yaml``): ``adv_support``,
    ``content``, ``style`` (per VGG layer), ``region`` (``generated``, ``photo``), ``color``, ``tv`` (both tails),
    ``adv_main``, ``main_pixel``, ``main_vgg``, ``d_split`` (``real``, ``fake``, ``smooth`` of the support D),
    ``d_main``, ``pretrain`` (``support``, ``main``: the pretrain VGG terms). ``targets``: OnlineTargets settings.
    """

    stage_phases = {
        "pretrain": (PhaseSpec("generator", "pretrain", "init_lr"),),
        "adversarial": (
            PhaseSpec("generator", "generator_loss", "g_lr"),
            PhaseSpec("discriminator", "discriminator_loss", "d_lr", regenerate=True),
        ),
    }

    def __init__(
        self,
        vgg: VGGFeatures,
        discriminator: nn.ModuleDict | None,
        *,
        adv_support: float,
        content: float,
        style: Mapping[str, float],
        region: Mapping[str, float],
        color: float,
        tv: float,
        adv_main: float,
        main_pixel: float,
        main_vgg: float,
        d_split: Mapping[str, float],
        d_main: float,
        pretrain: Mapping[str, float],
        targets: Mapping[str, Any],
        batched_discriminator: bool,
    ) -> None:
        super().__init__(vgg, discriminator, batched_discriminator)
        self.adv_support, self.content, self.color, self.tv = adv_support, content, color, tv
        self.adv_main, self.main_pixel, self.main_vgg, self.d_main = adv_main, main_pixel, main_vgg, d_main
        self.style = {layer: float(w) for layer, w in style.items()}
        self.region = {name: float(region[name]) for name in ("generated", "photo")}
        self.d_split = {name: float(d_split[name]) for name in ("real", "fake", "smooth")}
        self.pretrain_weights = {name: float(pretrain[name]) for name in ("support", "main")}
        self.targets = OnlineTargets(**targets)

    @property
    def weights(self) -> dict[str, Any]:
        scalars = ("adv_support", "content", "color", "tv", "adv_main", "main_pixel", "main_vgg", "d_main")
        return {name: getattr(self, name) for name in scalars} | {
            "style": dict(self.style),
            "region": dict(self.region),
            "d_split": dict(self.d_split),
            "pretrain": dict(self.pretrain_weights),
            "targets": self.targets.settings,
        }

    def step_inputs(self, stage: str, batch: Batch, fake: V3Output) -> Batch:
        """Adversarial steps: start SPf (from Gs^) and NL0 (from raw Gs) of this batch on the CPU."""
        if stage != "adversarial":
            return batch
        return StepBatch(batch, self.targets.submit(fake.filtered, fake.support))

    def close(self) -> None:
        self.targets.close()

    def leaves_parameters_unused(self, stage: str) -> bool:
        """Also the pretrain stage when its main-tail term is off (Shinkai): the main tail gets no gradient."""
        return super().leaves_parameters_unused(stage) or (
            stage == "pretrain" and not self.pretrain_weights["main"]
        )

    def pretrain(self, batch: Batch, fake: V3Output) -> LossAndLogs:
        """support * V(photo, Gs^) + main * V(photo, Gm) (Hayao 1 + 1, Shinkai 1 + 0)."""
        with torch.no_grad():
            photo_features = self.vgg(batch["photo"])
        terms = {
            "content": self.pretrain_weights["support"] * vgg_l1(photo_features, self.vgg(fake.filtered))
        }
        if self.pretrain_weights["main"]:
            terms["content_main"] = self.pretrain_weights["main"] * vgg_l1(
                photo_features, self.vgg(fake.main)
            )
        loss = sum(terms.values())
        return loss, loss_logs(terms, ("loss_g", loss))

    def generator_loss(self, batch: Batch, fake: V3Output) -> LossAndLogs:
        """Support + main generator losses; terms without online targets first, so the CPU jobs overlap them."""
        d_support, d_main = self.discriminator["support"], self.discriminator["main"]
        layers = list(dict.fromkeys([*self.style, CONTENT_LAYER]))
        count = len(batch["photo"])
        with torch.no_grad():
            references = self.vgg.layers(
                torch.cat([batch["photo"], batch["superpixel"], gray3(batch["anime"])]), layers
            )
        photo_f, superpixel_f, _ = references[CONTENT_LAYER].split(count)
        anime_f = {layer: value[2 * count :] for layer, value in references.items()}
        fake_gray = gray3(fake.filtered)
        outputs = self.vgg.layers(torch.cat([fake.filtered, fake.main, fake_gray]), layers)
        filtered_f, main_f, _ = outputs[CONTENT_LAYER].split(count)
        fake_gray_f = {layer: value[2 * count :] for layer, value in outputs.items()}
        styles = style_terms(anime_f, fake_gray_f, self.style)
        terms = {
            "adv_support": self.adv_support * least_squares(d_support(fake_gray), SUPPORT_REAL),
            "content": self.content * vgg_l1(photo_f, filtered_f),
            "style": sum(styles.values()),
            "region_photo": self.region["photo"] * vgg_l1(superpixel_f, filtered_f),
            "color": self.color * lab_color_loss(batch["photo"], fake.filtered),
            "tv": self.tv * losses.total_variation_loss(fake.filtered),
            "adv_main": self.adv_main * least_squares(d_main(fake.main), MAIN_REAL),
            "tv_main": self.tv * losses.total_variation_loss(fake.main),
        }
        with torch.no_grad():  # the online targets: reading them waits for the CPU jobs
            targets_f = self.vgg(torch.cat([batch["fake_superpixel"], batch["fake_nl0"]]))
        fake_superpixel_f, nl0_f = targets_f.split(count)
        terms["region_generated"] = self.region["generated"] * vgg_l1(fake_superpixel_f, filtered_f)
        terms["main_pixel"] = self.main_pixel * (batch["fake_nl0"] - fake.main.float()).abs().mean()
        terms["main_vgg"] = self.main_vgg * vgg_l1(nl0_f, main_f)
        loss = sum(terms.values())
        styles = {f"style_{layer}": value for layer, value in styles.items()}
        logs = loss_logs(terms | styles, ("loss_g", loss))
        if isinstance(batch, StepBatch):  # seconds the step stood still for the CPU targets
            logs["targets_blocked_s"] = torch.tensor(batch.targets.blocked_s)
        return loss, logs

    def discriminator_loss(self, batch: Batch, fake: V3Output) -> LossAndLogs:
        """Support D on grayscale anime (0.9), Gs^ (0.1) and smoothed anime (0.1); main D on NL0 (1) and Gm (0)."""
        support_in = [gray3(batch["anime"]), gray3(fake.filtered.detach()), gray3(batch["smooth"])]
        real, fake_gray, smooth = self.discriminate(support_in, self.discriminator["support"])
        nl0, main = self.discriminate([batch["fake_nl0"], fake.main.detach()], self.discriminator["main"])
        terms = {
            "d_real": self.d_split["real"] * least_squares(real, SUPPORT_REAL),
            "d_fake": self.d_split["fake"] * least_squares(fake_gray, SUPPORT_FAKE),
            "d_smooth": self.d_split["smooth"] * least_squares(smooth, SUPPORT_FAKE),
            "d_main": self.d_main * (least_squares(nl0, MAIN_REAL) + least_squares(main, MAIN_FAKE)),
        }
        loss = sum(terms.values())
        logits = {"real": real, "fake": fake_gray, "smooth": smooth, "main_real": nl0, "main_fake": main}
        return loss, loss_logs(terms, ("loss_d", loss), logits=logits)
