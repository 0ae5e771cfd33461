"""Seconds per training step: a straightforward baseline against AnimeGANModule's own step, same run.

Baseline: fp32, NCHW, G(photo) recomputed for the G step, one D call and one VGG call per input, plain Adam.
Module:   its training_step under a Lightning Trainer with its fast options: channels_last, batched D calls,
          G(photo) once per batch, fused Adam, bf16 autocast on CPUs with bf16 (16-mixed on GPU).
Both start from the same weights and batch and take the loss weights, learning rates and networks from the
composed ``animegan-train`` config (v2, Hayao weights, random VGG features); their first-step losses are compared
(bf16 tolerance). AMP against fp32: the module's step with ``32-true`` and with AMP (bf16-mixed on CPU,
16-mixed on GPU), alternated ``--rounds`` times in the same run (median of each).

    python benchmarks/bench_train.py [--batch 4] [--size 256] [--steps 3] [--rounds 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import pytorch_lightning as pl
import torch
from hydra import compose, initialize_config_module
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from report import emit_json
from torch.utils.data import DataLoader, Dataset

from animegan.device import cpu_has_bf16
from animegan.training import losses
from animegan.training.runner import build_module

LOSS_KEYS = ("loss_d", "loss_g")


def make_batch(batch: int, size: int, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    anime = torch.rand(batch, 3, size, size, generator=g) * 2 - 1
    return {
        "photo": torch.rand(batch, 3, size, size, generator=g) * 2 - 1,
        "anime": anime,
        "anime_gray": losses.grayscale(anime).contiguous(),
        "smooth_gray": losses.grayscale(anime.flip(-1)).contiguous(),
    }


def compose_config() -> DictConfig:
    """The default training config (model v2, Hayao loss weights) with random VGG features (offline)."""
    with initialize_config_module("animegan.conf", version_base="1.3"):
        return compose("train", overrides=["model.vgg.weights=random"])


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


class Baseline:
    """The straightforward step, written out with the same loss weights as the module."""

    def __init__(self, nets: dict, weights: dict, optim: dict, device: torch.device) -> None:
        self.g, self.d, self.vgg = (nets[k].to(device) for k in ("generator", "discriminator", "vgg"))
        self.w, self.device = weights, device
        betas = tuple(optim["betas"])
        self.opt_init = torch.optim.Adam(self.g.parameters(), lr=optim["init_lr"], betas=betas, foreach=False)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=optim["g_lr"], betas=betas, foreach=False)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=optim["d_lr"], betas=betas, foreach=False)

    def pretrain_step(self, b: dict) -> dict[str, float]:
        loss = self.w["content"] * losses.content_loss(
            self.vgg(b["photo"]).detach(), self.vgg(self.g(b["photo"]))
        )
        self.opt_init.zero_grad()
        loss.backward()
        self.opt_init.step()
        return {"loss_g": loss.item()}

    def adversarial_step(self, b: dict) -> dict[str, float]:
        w = self.w
        fake = self.g(b["photo"]).detach()
        terms = losses.discriminator_loss_terms(
            self.d(b["anime"]), self.d(fake), self.d(b["anime_gray"]), self.d(b["smooth_gray"])
        )
        loss_d = losses.discriminator_loss(terms, w["d_split"], w["adv_d"])
        self.opt_d.zero_grad()
        loss_d.backward()
        self.opt_d.step()
        self.d.requires_grad_(False)
        fake = self.g(b["photo"])  # recomputed for the G step
        fake_f = self.vgg(fake)
        loss_g = (
            w["adv_g"] * losses.generator_adversarial_loss(self.d(fake))
            + w["content"] * losses.content_loss(self.vgg(b["photo"]).detach(), fake_f)
            + w["style"] * losses.style_loss(self.vgg(b["anime_gray"]).detach(), fake_f)
            + w["color"] * losses.color_loss(b["photo"], fake)
            + w["tv"] * losses.total_variation_loss(fake)
        )
        self.opt_g.zero_grad()
        loss_g.backward()
        self.opt_g.step()
        self.d.requires_grad_(True)
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item()}


def time_baseline(baseline: Baseline, stage: str, batch: dict, steps: int, warmup: int) -> tuple[float, dict]:
    step = baseline.pretrain_step if stage == "pretrain" else baseline.adversarial_step
    first = step(batch)
    for _ in range(warmup - 1):
        step(batch)
    sync(baseline.device)
    start = time.perf_counter()
    for _ in range(steps):
        step(batch)
    sync(baseline.device)
    return (time.perf_counter() - start) / steps, first


class SameBatch(Dataset):
    def __init__(self, batch: dict, n: int) -> None:
        self.batch, self.n = {k: v[0] for k, v in batch.items()}, n
        self.items = [{k: v[i] for k, v in batch.items()} for i in range(len(batch["photo"]))]

    def __len__(self) -> int:
        return self.n * len(self.items)

    def __getitem__(self, i: int) -> dict:
        return self.items[i % len(self.items)]


class StepTimer(pl.Callback):
    def __init__(self, warmup: int) -> None:
        self.warmup, self.times, self.first = warmup, [], {}

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        sync(pl_module.device)
        self.start = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        sync(pl_module.device)
        self.times.append(time.perf_counter() - self.start)
        if batch_idx == 0:
            prefix = f"{pl_module.stage}/"
            self.first = {
                k[len(prefix) :]: float(v)
                for k, v in trainer.callback_metrics.items()
                if k.startswith(prefix)
            }


def time_module(
    stage: str, nets: dict, cfg: DictConfig, batch: dict, steps: int, warmup: int, device, precision: str
):
    module = build_module(cfg, stage)
    module.generator.load_state_dict(nets["generator"].state_dict())
    if module.discriminator is not None:
        module.discriminator.load_state_dict(nets["discriminator"].state_dict())
    timer = StepTimer(warmup)
    trainer = pl.Trainer(
        accelerator=device.type, devices=1, precision=precision, max_steps=-1, max_epochs=1, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        limit_val_batches=0, callbacks=[timer], num_sanity_val_steps=0,
    )  # fmt: skip
    loader = DataLoader(SameBatch(batch, steps + warmup), batch_size=len(batch["photo"]))
    trainer.fit(module, train_dataloaders=loader)
    timed = timer.times[warmup:]
    return sum(timed) / len(timed), timer.first


def amp_against_fp32(
    stage: str, nets: dict, cfg: DictConfig, batch: dict, args, device, amp: str | None
) -> dict:
    """The module's step in fp32 and with AMP, alternated ``args.rounds`` times; medians and their ratio."""
    if amp is None:
        return {"amp_precision": None}  # a CPU without bf16: no AMP to measure
    times: dict[str, list[float]] = {"32-true": [], amp: []}
    for _ in range(args.rounds):
        for precision in times:
            seconds, _ = time_module(stage, nets, cfg, batch, args.steps, args.warmup, device, precision)
            times[precision].append(seconds)
    fp32_s, amp_s = statistics.median(times["32-true"]), statistics.median(times[amp])
    return {
        "amp_precision": amp,
        "module_fp32_s_per_step": round(fp32_s, 4),
        "module_amp_s_per_step": round(amp_s, 4),
        "amp_speedup": round(fp32_s / amp_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2, help="fp32 / AMP module measurements, alternated")
    parser.add_argument(
        "--precision", help="module precision (default: 16-mixed on GPU, bf16-mixed on bf16 CPUs)"
    )
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    pl.seed_everything(0, verbose=False)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    cpu_bf16 = device.type == "cpu" and cpu_has_bf16()
    amp_precision = "16-mixed" if device.type == "cuda" else ("bf16-mixed" if cpu_bf16 else None)
    precision = args.precision or amp_precision or "32-true"
    cfg = compose_config()
    weights, optim = (OmegaConf.to_container(cfg.model[key], resolve=True) for key in ("loss", "optim"))
    nets = {
        "generator": instantiate(cfg.model.generator),
        "discriminator": instantiate(cfg.model.discriminator)(),
        "vgg": instantiate(cfg.model.vgg),
    }
    batch = make_batch(args.batch, args.size)
    dev_batch = {k: v.to(device) for k, v in batch.items()}

    results: dict = {"device": torch.cuda.get_device_name() if device.type == "cuda" else f"cpu x{torch.get_num_threads()} threads",
                     "batch": args.batch, "size": args.size, "steps": args.steps, "module_precision": precision}  # fmt: skip
    for stage in ("pretrain", "adversarial"):
        baseline = Baseline({k: copy.deepcopy(v) for k, v in nets.items()}, weights, optim, device)
        base_s, base_first = time_baseline(baseline, stage, dev_batch, args.steps, args.warmup)
        del baseline
        fast_s, fast_first = time_module(stage, nets, cfg, batch, args.steps, args.warmup, device, precision)
        agree = {k: (base_first[k], fast_first.get(k)) for k in LOSS_KEYS if k in base_first}
        results[stage] = {
            "baseline_s_per_step": round(base_s, 4),
            "module_s_per_step": round(fast_s, 4),
            "speedup": round(base_s / fast_s, 3),
            "first_step_losses_baseline_vs_module": agree,
            "losses_agree_within_5pct": all(abs(a - b) <= 0.05 * abs(a) + 1e-3 for a, b in agree.values()),
        } | amp_against_fp32(stage, nets, cfg, batch, args, device, amp_precision)
    print(
        f"\ntraining step, batch {args.batch} x {args.size}x{args.size}, {results['device']}, module precision {precision}"
    )
    print(f"{'stage':<12}{'baseline s/step':>17}{'module s/step':>15}{'speedup':>9}  losses agree")
    for stage in ("pretrain", "adversarial"):
        r = results[stage]
        print(
            f"{stage:<12}{r['baseline_s_per_step']:>17.3f}{r['module_s_per_step']:>15.3f}{r['speedup']:>8.2f}x  {r['losses_agree_within_5pct']}"
        )
    if amp_precision:
        print(
            f"\nmodule step, fp32 (32-true) against AMP ({amp_precision}), median of {args.rounds} alternated rounds"
        )
        print(f"{'stage':<12}{'fp32 s/step':>13}{'AMP s/step':>12}{'AMP speedup':>13}")
        for stage in ("pretrain", "adversarial"):
            r = results[stage]
            print(
                f"{stage:<12}{r['module_fp32_s_per_step']:>13.3f}{r['module_amp_s_per_step']:>12.3f}{r['amp_speedup']:>12.2f}x"
            )
    emit_json(results, args.json)


if __name__ == "__main__":
    main()
