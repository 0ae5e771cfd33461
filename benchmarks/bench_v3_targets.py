"""AnimeGANv3's online targets (SPf, NL0): how much of an adversarial step they take, inline vs on a pool.

Runs AnimeGANModule's v3 adversarial training_step (composed config: model=v3, Hayao weights, random VGG) under
a Lightning Trainer three ways in the same run, interleaved: targets inline in the training thread
(``workers=0``, the reference's blocking order), on a thread pool and on a process pool (one job per image and
target, collected when a loss first needs them). Reports seconds per step, seconds per step the step stood still
for the targets (``targets_blocked_s``), their share of the step, and the step speedup over inline. Also the
per-image cost of each target part.

    python benchmarks/bench_v3_targets.py [--batch 4] [--size 256] [--steps 3] [--workers N] [--json out.json]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pytorch_lightning as pl
import torch
from bench_train import SameBatch, StepTimer
from hydra import compose, initialize_config_module
from report import emit_json
from torch.utils.data import DataLoader

from animegan.data.prepare.superpixels import SuperpixelSettings, superpixel_image
from animegan.training.runner import build_module
from animegan.training.targets_v3 import (
    L0Settings,
    NLMeansSettings,
    l0_smooth,
    to_uint8_images,
)
from animegan.workers import default_workers

MODES = {"inline": ("process", 0), "thread": ("thread", None), "process": ("process", None)}


def make_batch(batch: int, size: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """A v3 batch: smooth random images (so felzenszwalb finds regions), their superpixel images."""
    g = torch.Generator().manual_seed(seed)

    def images() -> torch.Tensor:
        small = torch.rand(batch, 3, size // 8, size // 8, generator=g) * 2 - 1
        return torch.nn.functional.interpolate(small, size=(size, size), mode="bilinear", align_corners=False)

    photo, anime, smooth = images(), images(), images()
    superpixel = torch.stack(
        [
            torch.from_numpy(superpixel_image(u)).permute(2, 0, 1).float() / 127.5 - 1
            for u in to_uint8_images(photo)
        ]
    )
    return {"photo": photo, "superpixel": superpixel, "anime": anime, "smooth": smooth,
            "anime_gray": anime, "smooth_gray": smooth}  # fmt: skip


def time_mode(mode: str, batch: dict, steps: int, warmup: int, workers: int | None) -> dict[str, float]:
    backend, mode_workers = MODES[mode]
    overrides = ["model=v3", "model.vgg.weights=random", f"model.loss.targets.backend={backend}",
                 f"model.loss.targets.workers={mode_workers if mode_workers is not None else workers}"]  # fmt: skip
    with initialize_config_module("animegan.conf", version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    pl.seed_everything(0, verbose=False)
    module = build_module(cfg, "adversarial")
    timer = BlockedTimer()
    trainer = pl.Trainer(accelerator="auto", devices=1, max_epochs=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0,
                         callbacks=[timer], num_sanity_val_steps=0)  # fmt: skip
    trainer.fit(
        module, train_dataloaders=DataLoader(SameBatch(batch, steps + warmup), batch_size=len(batch["photo"]))
    )
    module.criterion.close()
    step = float(np.mean(timer.times[warmup:]))
    blocked = float(np.mean(timer.blocked[warmup:]))
    return {
        "s_per_step": round(step, 4),
        "targets_blocked_s": round(blocked, 4),
        "share": round(blocked / step, 3),
    }


class BlockedTimer(StepTimer):
    """Step times plus the logged seconds each step stood still for the targets."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[float] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)
        self.blocked.append(float(trainer.callback_metrics["adversarial/targets_blocked_s"]))


def part_costs(batch: dict, repeat: int = 2) -> dict[str, float]:
    """Seconds per image of felzenszwalb + segment means, NL-means, L0 smoothing (inline, one image at a time)."""
    import cv2

    images = list(to_uint8_images(batch["photo"]))
    with initialize_config_module("animegan.conf", version_base="1.3"):
        targets = compose("train", overrides=["model=v3"]).model.loss.targets  # the Hayao preset's settings
    nl, l0 = NLMeansSettings(**targets.nlmeans), L0Settings(**targets.l0)
    superpixel = SuperpixelSettings(**targets.superpixel)
    parts = {
        "superpixel_s": lambda u: superpixel_image(u, superpixel),
        "nlmeans_s": lambda u: cv2.fastNlMeansDenoisingColored(
            u, None, nl.h, nl.h_color, nl.template, nl.search
        ),
        "l0_s": lambda u: l0_smooth(u / 255.0, l0),
    }
    costs = {}
    for name, fn in parts.items():
        start = time.perf_counter()
        for _ in range(repeat):
            for u in images:
                fn(u)
        costs[name] = round((time.perf_counter() - start) / (repeat * len(images)), 4)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per mode")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--workers", type=int, help="pool size (default: one per core, up to the batch)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    workers = args.workers or default_workers(args.batch)
    batch = make_batch(args.batch, args.size)
    device = (
        torch.cuda.get_device_name()
        if torch.cuda.is_available()
        else f"cpu x{torch.get_num_threads()} threads"
    )
    results: dict = {"device": device, "batch": args.batch, "size": args.size, "steps": args.steps, "workers": workers,
                     "per_image": part_costs(batch)}  # fmt: skip
    for mode in MODES:
        results[mode] = time_mode(mode, batch, args.steps, args.warmup, workers)
    inline = results["inline"]["s_per_step"]
    for mode in ("thread", "process"):
        results[mode]["step_speedup_vs_inline"] = round(inline / results[mode]["s_per_step"], 3)
    print(f"\nv3 adversarial step, batch {args.batch} x {args.size}^2, {device}, {workers} workers")
    print(f"{'targets':<10}{'s/step':>9}{'blocked s':>11}{'share':>8}{'speedup':>9}")
    for mode in MODES:
        r = results[mode]
        speedup = r.get("step_speedup_vs_inline", 1.0)
        print(
            f"{mode:<10}{r['s_per_step']:>9.3f}{r['targets_blocked_s']:>11.3f}{r['share']:>8.1%}{speedup:>8.2f}x"
        )
    print("per image:", results["per_image"])
    emit_json(results, args.json)


if __name__ == "__main__":
    main()
