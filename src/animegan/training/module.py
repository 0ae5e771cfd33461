"""AnimeGANModule: one Lightning run per stage (``pretrain`` or ``adversarial``), manual optimization over phases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytorch_lightning as pl
import torch
from torch import nn

from animegan.errors import AnimeGANError
from animegan.nets import Discriminator, build_generator
from animegan.training.criterion import AnimeGANCriterion, LossWeights
from animegan.training.phases import Phase, phases_of
from animegan.weights.vgg import load_vgg

VGG_PREFIX = "criterion.vgg."


class NonFiniteLossError(AnimeGANError):
    """A loss became NaN or infinite: training stops, the last good checkpoint stays."""


def _channels_last(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.contiguous(memory_format=torch.channels_last) if tensor.dim() == 4 else tensor


class AnimeGANModule(pl.LightningModule):
    """Generator + criterion (discriminator, frozen VGG19). Every argument is a plain value or dict (hparams).

    ``stage="pretrain"`` builds no discriminator, so DDP sees only the generator; ``"adversarial"`` runs a D phase
    then a G phase per batch, reusing one G(photo). ``fast`` holds the speed options (channels_last, batched D
    calls, fused Adam); ``val`` the validation settings (grid size, style sample size). ``stages`` (epochs per
    stage) is read by the runner and kept here only so that checkpoints record the whole schedule.
    """

    def __init__(
        self,
        stage: str = "adversarial",
        generator: str = "v2",
        discriminator: Mapping[str, Any] | None = None,
        vgg: Mapping[str, Any] | None = None,
        loss: Mapping[str, Any] | None = None,
        optim: Mapping[str, Any] | None = None,
        stages: Mapping[str, int] | None = None,
        fast: Mapping[str, bool] | None = None,
        val: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.automatic_optimization = False
        self.stage = stage
        self.phases: tuple[Phase, ...] = phases_of(stage)
        self.optim = {"init_lr": 2e-4, "g_lr": 2e-5, "d_lr": 4e-5, "betas": (0.5, 0.999), "grad_clip": None}
        self.optim |= dict(optim or {})
        self.fast = {"channels_last": False, "batched_discriminator": True, "fused_optimizer": False}
        self.fast |= dict(fast or {})
        self.val = {"grid_images": 8, "style_sample": 16} | dict(val or {})
        self.generator = build_generator(generator)
        uses_d = any(phase.trains == "discriminator" for phase in self.phases)
        self.criterion = AnimeGANCriterion(
            LossWeights.from_config(loss),
            load_vgg(**dict(vgg or {"weights": "imagenet"})),
            Discriminator(**dict(discriminator or {})) if uses_d else None,
            batched_discriminator=self.fast["batched_discriminator"],
        )
        self.style_gram: torch.Tensor | None = None
        self.val_summary: dict[str, Any] = {}
        self._val_parts: dict[str, list[torch.Tensor]] = {}

    def __reduce__(self) -> tuple:
        """Pickled (ddp_spawn) as hparams + state dict: spectral-norm layers only pickle through state_dict()."""
        return (_rebuild_module, (dict(self.hparams), self.state_dict()))

    @property
    def discriminator(self) -> nn.Module | None:
        return self.criterion.discriminator

    def load_generator_state(self, state: Mapping[str, torch.Tensor]) -> None:
        """Start from given generator weights (the pretrain stage's, or a file)."""
        self.generator.load_state_dict(state, strict=True)

    # ---- set-up -------------------------------------------------------------------------------------------
    def setup(self, stage: str) -> None:
        """Runs before the strategy moves and wraps the model: VGG is already frozen; set the memory format."""
        if self.fast["channels_last"]:
            self.to(memory_format=torch.channels_last)

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        """One Adam per phase, over the parameters of the network it trains."""
        return [self._adam(getattr(self, phase.trains), float(self.optim[phase.lr])) for phase in self.phases]

    def _adam(self, network: nn.Module, lr: float) -> torch.optim.Optimizer:
        speed = {"fused": True} if self.fast["fused_optimizer"] else {"foreach": True}
        return torch.optim.Adam(network.parameters(), lr=lr, betas=tuple(self.optim["betas"]), **speed)

    # ---- training -----------------------------------------------------------------------------------------
    def _prepare(self, batch: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: _channels_last(v) for k, v in batch.items()} if self.fast["channels_last"] else dict(batch)

    def _train_only(self, name: str) -> None:
        """requires_grad on the network this phase trains, off on the other trained networks."""
        for phase in self.phases:
            getattr(self, phase.trains).requires_grad_(phase.trains == name)

    def training_step(self, batch: Mapping[str, torch.Tensor], batch_idx: int) -> None:
        batch = self._prepare(batch)
        self._train_only("generator")
        fake = self.generator(batch["photo"])  # computed once, reused by every phase
        optimizers = self.optimizers()
        optimizers = optimizers if isinstance(optimizers, list) else [optimizers]
        logs: dict[str, torch.Tensor] = {}
        for phase, optimizer in zip(self.phases, optimizers, strict=True):
            self._train_only(phase.trains)
            loss, phase_logs = getattr(self.criterion, phase.loss)(batch, fake)
            self._stop_if_not_finite(loss, phase_logs)
            optimizer.zero_grad(set_to_none=True)
            self.manual_backward(loss)
            if self.optim["grad_clip"]:
                self.clip_gradients(optimizer, float(self.optim["grad_clip"]), gradient_clip_algorithm="norm")
            optimizer.step()
            logs |= phase_logs
            logs[f"lr_{phase.name}"] = torch.tensor(optimizer.param_groups[0]["lr"])
        self._train_only("generator")
        shown = {"loss_g", "loss_d"}
        for name, value in logs.items():
            self.log(f"{self.stage}/{name}", value, prog_bar=name in shown, batch_size=len(fake))

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
        fake = self.generator(photo)
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
        checkpoint["state_dict"].update(
            {VGG_PREFIX + k: v for k, v in self.criterion.vgg.state_dict().items()}
        )


def _rebuild_module(hparams: dict[str, Any], state: Mapping[str, torch.Tensor]) -> AnimeGANModule:
    module = AnimeGANModule(**hparams)
    module.load_state_dict(state)
    return module
