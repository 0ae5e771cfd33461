"""AnimeGANModule: one Lightning run per stage (``pretrain`` or ``adversarial``), manual optimization over phases."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytorch_lightning as pl
import torch
from torch import nn

from animegan.errors import AnimeGANError, WeightsError
from animegan.nets import VGGFeatures
from animegan.training.clipping import clip_unscaled
from animegan.training.criterion import Criterion
from animegan.training.ema import align_checkpoint, averaged, make_ema
from animegan.training.phases import stage_phases, trains_discriminator

VGG_PREFIX = "criterion.vgg."


class NonFiniteLossError(AnimeGANError):
    """A loss became NaN or infinite: training stops, the last good checkpoint stays."""


def _channels_last(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.contiguous(memory_format=torch.channels_last) if tensor.dim() == 4 else tensor


class AnimeGANModule(pl.LightningModule):
    """Generator + criterion (discriminator, frozen VGG19) for one stage, built from ``model`` in the config.

    ``generator`` and ``vgg`` are networks; ``discriminator``, ``loss`` (the criterion) and ``optimizer`` are
    factories: D is built only for a stage that trains it (so DDP sees only G in pretrain), and each phase gets an
    optimizer over its network at its lr. Each batch: one G(photo), the criterion's per-step inputs (v3: online
    targets), then the criterion's phases in order (v2: D then G on that G(photo); v3: G, then D on a regenerated
    G(photo)). ``optim``, ``fast`` and ``val`` are the plain ``model.*`` nodes; ``stages`` is read by the runner
    and only recorded here, with the loss weights, so that checkpoints hold the whole schedule; so is ``metrics``
    (read by the ``style_metrics`` callback, ``animegan.eval.training_metric``).
    """

    def __init__(
        self,
        stage: str,
        generator: nn.Module,
        discriminator: Callable[[], nn.Module],
        vgg: VGGFeatures,
        loss: Callable[..., Criterion],
        optimizer: Callable[..., torch.optim.Optimizer],
        optim: Mapping[str, Any],
        stages: Mapping[str, int],
        fast: Mapping[str, bool],
        val: Mapping[str, int],
        ema: Mapping[str, Any],
        metrics: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.stage = stage
        self.generator = generator
        self.criterion = loss(vgg=vgg, discriminator=discriminator() if trains_discriminator(stage) else None)
        plain = {"stage": stage, "optim": optim, "stages": stages, "fast": fast, "val": val, "ema": ema}
        plain |= {"metrics": dict(metrics or {})}
        self.save_hyperparameters(plain | {"loss": self.criterion.weights})  # no networks, no factories
        self.phases = stage_phases(stage, generator, self.criterion, optim)
        self.generator_ema = make_ema(generator, ema["decay"])
        self.optimizer_factory = optimizer
        self.grad_clip: float | None = optim["grad_clip"]
        self.channels_last = bool(fast["channels_last"])
        self.compile_networks = bool(fast["compile"])
        self.val = dict(val)
        self.style_gram: torch.Tensor | None = None
        self.val_summary: dict[str, Any] = {}
        self._val_parts: dict[str, list[torch.Tensor]] = {}

    @property
    def discriminator(self) -> nn.Module | None:
        return self.criterion.discriminator

    @property
    def sample_generator(self) -> nn.Module:
        """What validation stylizes with: the generator EMA once it has a step, else the generator."""
        return averaged(self.generator_ema) or self.generator

    @property
    def leaves_parameters_unused(self) -> bool:
        """Whether a backward of this stage leaves trained parameters out (DDP must then look for them)."""
        return self.criterion.leaves_parameters_unused(self.stage)

    def load_generator_state(self, state: Mapping[str, torch.Tensor]) -> None:
        """Start from given generator weights (the pretrain stage's, or a file); all of them are needed."""
        missing = sorted(set(self.generator.state_dict()) - set(state))
        if missing:
            raise WeightsError(
                f"the generator weights lack {len(missing)} tensors (e.g. {missing[0]}); a deployed v3 "
                "generator.pt has no support tail: start from a checkpoint (RUN/checkpoints/<stage>/last.ckpt)"
            )
        self.generator.load_state_dict(state, strict=True)

    # ---- set-up -------------------------------------------------------------------------------------------
    def setup(self, stage: str) -> None:
        """Runs before the strategy moves and wraps the model: VGG is already frozen; set the memory format."""
        if self.channels_last:
            self.to(memory_format=torch.channels_last)
        if self.compile_networks:
            for network in (self.generator, self.criterion.discriminator, self.criterion.vgg):
                if network is not None:
                    network.compile()  # in place: parameter names and checkpoints stay as they are

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        """One optimizer per phase, over the parameters of the network it trains, at its learning rate."""
        return [self.optimizer_factory(phase.network.parameters(), lr=phase.lr) for phase in self.phases]

    # ---- training -----------------------------------------------------------------------------------------
    def _prepare(self, batch: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: _channels_last(v) for k, v in batch.items()} if self.channels_last else dict(batch)

    def _train_only(self, network: nn.Module) -> None:
        """requires_grad on ``network``, off on the other networks the phases train."""
        for phase in self.phases:
            phase.network.requires_grad_(phase.network is network)

    def training_step(self, batch: Mapping[str, torch.Tensor], batch_idx: int) -> None:
        batch = self._prepare(batch)
        self._train_only(self.generator)
        fake = self.generator(batch["photo"])  # computed once, reused by the phases that do not regenerate
        batch = self.criterion.step_inputs(self.stage, batch, fake)
        optimizers = self.optimizers()
        optimizers = optimizers if isinstance(optimizers, list) else [optimizers]
        logs: dict[str, torch.Tensor] = {}
        for phase, optimizer in zip(self.phases, optimizers, strict=True):
            if phase.regenerate:
                with torch.no_grad():
                    fake = self.generator(batch["photo"])
            self._train_only(phase.network)
            loss, phase_logs = phase.loss(batch, fake)
            self._stop_if_not_finite(loss, phase_logs)
            optimizer.zero_grad(set_to_none=True)
            self.manual_backward(loss)
            optimizer.step()  # grad clipping in on_before_optimizer_step, where gradients are unscaled
            logs |= phase_logs
            logs[f"lr_{phase.name}"] = torch.tensor(optimizer.param_groups[0]["lr"])
        self._train_only(self.generator)
        if self.generator_ema is not None:
            self.generator_ema.update_parameters(self.generator)
        shown = {"loss_g", "loss_d"}
        for name, value in logs.items():
            self.log(f"{self.stage}/{name}", value, prog_bar=name in shown, batch_size=len(batch["photo"]))

    def teardown(self, stage: str) -> None:
        self.criterion.close()

    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        if self.grad_clip:
            scaler = getattr(self.trainer.precision_plugin, "scaler", None)
            clip_unscaled(optimizer, float(self.grad_clip), scaler)

    def _stop_if_not_finite(self, loss: torch.Tensor, terms: Mapping[str, torch.Tensor]) -> None:
        if torch.isfinite(loss).item():
            return
        bad = next((name for name, value in terms.items() if not torch.isfinite(value).all()), "total")
        raise NonFiniteLossError(
            f"loss term '{bad}' became {terms.get(bad, loss).item()} at step {self.global_step} of stage "
            f"{self.stage}; training stopped, the last good checkpoint is kept (try a lower lr or model.optim.grad_clip)"
        )

    # ---- validation ---------------------------------------------------------------------------------------
    def on_validation_epoch_start(self) -> None:
        self._val_parts = {"photo": [], "fake": [], "content_distance": [], "style_distance": []}
        if self.style_gram is None:
            sample = getattr(self.trainer.datamodule, "style_sample", None) if self.trainer else None
            if sample is not None:
                images = sample(int(self.val["style_sample"])).to(self.device)
                self.style_gram = self.criterion.mean_gram(images)

    def validation_step(self, batch: Mapping[str, torch.Tensor], batch_idx: int) -> None:
        photo = batch["photo"]
        fake = self.sample_generator(photo)
        for name, values in self.criterion.distances(photo, fake, self.style_gram).items():
            self._val_parts[name].append(values)
        kept = sum(len(x) for x in self._val_parts["photo"])
        room = int(self.val["grid_images"]) - kept
        if room > 0:
            self._val_parts["photo"].append(photo[:room].detach().float().cpu())
            self._val_parts["fake"].append(fake[:room].detach().float().cpu())

    def on_validation_epoch_end(self) -> None:
        summary: dict[str, Any] = {}
        for name in ("content_distance", "style_distance"):
            if self._val_parts.get(name):
                value = torch.cat(self._val_parts[name]).float().mean()
                self.log(f"val/{name}", value, sync_dist=True)
                summary[name] = value.item()
        if self._val_parts.get("photo"):
            summary["photo"] = torch.cat(self._val_parts["photo"])
            summary["fake"] = torch.cat(self._val_parts["fake"])
        self.val_summary = summary

    # ---- checkpoints: plain containers only, VGG left out (it is frozen and rebuilt from the config) ------
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        state = checkpoint["state_dict"]
        for key in [k for k in state if k.startswith(VGG_PREFIX)]:
            del state[key]
        checkpoint["animegan_stage"] = self.stage

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        align_checkpoint(checkpoint["state_dict"], self.generator_ema)
        checkpoint["state_dict"].update(
            {VGG_PREFIX + k: v for k, v in self.criterion.vgg.state_dict().items()}
        )
