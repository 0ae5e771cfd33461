"""Seconds per adversarial training step: the peer (pytorch-animeGAN) against AnimeGANModule, and each fast option.

Peer: ptran1203/pytorch-animeGAN's step, re-implemented in ``peer_animegan.py`` (fp32, eager, NCHW, plain Adam,
G(photo) twice, five D calls, three VGG calls with gradients). Ours: the module's own ``training_step`` under a
Lightning Trainer, built from the composed ``experiment=demo`` config (v2, random VGG features), in variants:

* ``plain fp32``: every ``model.fast`` option off, ``trainer.precision=32-true``;
* one option alone on top of it: ``channels_last``, ``batched_discriminator``, ``fused_optimizer``, bf16 autocast
  (``bf16-mixed``; only on a CPU with bf16);
* ``defaults``: the config as composed (``trainer.precision: auto``), and with ``--compile`` the same with
  ``model.fast.compile=true`` (its first step, the compilation, is reported apart).

Every variant and the peer run in each of ``--rounds`` rounds, one after the other (interleaved); the figures are
medians over the rounds. FLOPs of one step are counted with ``torch.utils.flop_counter.FlopCounterMode`` (convs,
matmuls, their backward) and give the achieved GFLOP/s. The first-step losses of ``defaults`` and ``plain fp32``
(same weights, same batch) are compared.

    python benchmarks/bench_train.py [--batch 4] [--size 128] [--steps 3] [--rounds 3] [--compile] [--json out.json]
"""

from __future__ import annotations

import argparse
import statistics
import time

import pytorch_lightning as pl
import torch
from hydra import compose, initialize_config_module
from omegaconf import DictConfig
from peer_animegan import PeerStep
from report import emit_json
from torch.utils.data import DataLoader, Dataset
from torch.utils.flop_counter import FlopCounterMode

from animegan.device import cpu_has_bf16
from animegan.training import losses
from animegan.training.runner import build_module, resolve_precision

LOSS_KEYS = ("loss_d", "loss_g")
OPTIONS = ("channels_last", "batched_discriminator", "fused_optimizer")
PLAIN = [f"model.fast.{name}=false" for name in OPTIONS]


def make_batch(batch: int, size: int, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    anime = torch.rand(batch, 3, size, size, generator=g) * 2 - 1
    return {
        "photo": torch.rand(batch, 3, size, size, generator=g) * 2 - 1,
        "anime": anime,
        "anime_gray": losses.grayscale(anime).contiguous(),
        "smooth_gray": losses.grayscale(anime.flip(-1)).contiguous(),
    }


def compose_config(*overrides: str) -> DictConfig:
    """The ``experiment=demo`` training config (v2, random VGG features: offline) with ``overrides``."""
    with initialize_config_module("animegan.conf", version_base="1.3"):
        return compose("train", overrides=["experiment=demo", *overrides])


def variants(compiled: bool) -> dict[str, tuple[str | None, list[str]]]:
    """name -> (trainer precision, None: the config's own; config overrides)."""
    table: dict[str, tuple[str | None, list[str]]] = {"plain fp32": ("32-true", PLAIN)}
    for name in OPTIONS:
        table[f"+ {name}"] = ("32-true", [o for o in PLAIN if name not in o])
    if cpu_has_bf16():
        table["+ bf16 autocast"] = ("bf16-mixed", PLAIN)
    table["defaults"] = (None, [])
    if compiled:
        table["defaults + compile"] = (None, ["model.fast.compile=true"])
    return table


class SameBatch(Dataset):
    def __init__(self, batch: dict, n: int) -> None:
        self.items = [{k: v[i] for k, v in batch.items()} for i in range(len(batch["photo"]))]
        self.n = n

    def __len__(self) -> int:
        return self.n * len(self.items)

    def __getitem__(self, i: int) -> dict:
        return self.items[i % len(self.items)]


def sync(device: torch.device) -> None:
    if device.type == "cuda":  # bench_v3_targets also times GPU steps with StepTimer
        torch.cuda.synchronize()


class StepTimer(pl.Callback):
    """Wall time of each training batch, and the logged losses of the first."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.first: dict[str, float] = {}

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        sync(pl_module.device)
        self.start = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        sync(pl_module.device)
        self.times.append(time.perf_counter() - self.start)
        if batch_idx == 0:
            prefix = f"{pl_module.stage}/"
            metrics = trainer.callback_metrics.items()
            self.first = {k[len(prefix) :]: float(v) for k, v in metrics if k.startswith(prefix)}


def run_module(variant: tuple[str | None, list[str]], state: dict, batch: dict, steps: int) -> StepTimer:
    """``steps`` adversarial steps of the module built from the config of ``variant``, from ``state``."""
    precision, overrides = variant
    cfg = compose_config(*overrides)
    module = build_module(cfg, "adversarial")
    module.generator.load_state_dict(state["generator"])
    module.discriminator.load_state_dict(state["discriminator"])
    timer = StepTimer()
    trainer = pl.Trainer(
        accelerator="cpu", devices=1, precision=precision or resolve_precision(cfg.trainer.precision, "cpu"),
        max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, limit_val_batches=0, callbacks=[timer], num_sanity_val_steps=0,
    )  # fmt: skip
    trainer.fit(module, train_dataloaders=DataLoader(SameBatch(batch, steps), batch_size=len(batch["photo"])))
    return timer


def time_peer(peer: PeerStep, batch: dict, steps: int, warmup: int) -> float:
    for _ in range(warmup):
        peer(batch)
    start = time.perf_counter()
    for _ in range(steps):
        peer(batch)
    return (time.perf_counter() - start) / steps


def count_flops(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def measure(args, table: dict, batch: dict, state: dict) -> tuple[dict, dict, dict]:
    """Interleaved rounds: the peer and every variant once per round; seconds per step of each round."""
    times: dict[str, list[float]] = {name: [] for name in ["peer", *table]}
    firsts: dict[str, dict] = {}
    first_steps: dict[str, float] = {}
    peer = PeerStep()
    for _ in range(args.rounds):
        times["peer"].append(time_peer(peer, batch, args.steps, args.warmup))
        for name, variant in table.items():
            timer = run_module(variant, state, batch, args.steps + args.warmup)
            timed = timer.times[args.warmup :]
            times[name].append(sum(timed) / len(timed))
            firsts.setdefault(name, timer.first)
            first_steps.setdefault(name, timer.times[0])
    return times, firsts, first_steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps before them")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians are reported)")
    parser.add_argument("--compile", action="store_true", help="also measure model.fast.compile=true")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    pl.seed_everything(0, verbose=False)
    table = variants(args.compile)
    module = build_module(compose_config(), "adversarial")
    state = {k: getattr(module, k).state_dict() for k in ("generator", "discriminator")}
    batch = make_batch(args.batch, args.size)
    times, firsts, first_steps = measure(args, table, batch, state)
    median = {name: statistics.median(values) for name, values in times.items()}
    flops = {
        "peer": count_flops(lambda: PeerStep()(batch)),
        "module": count_flops(lambda: run_module(table["defaults"], state, batch, 1)),
    }
    agree = {k: (firsts["plain fp32"][k], firsts["defaults"][k]) for k in LOSS_KEYS}
    base = median["plain fp32"]
    results: dict = {
        "device": f"cpu x{torch.get_num_threads()} threads, bf16: {cpu_has_bf16()}",
        "batch": args.batch, "size": args.size, "steps": args.steps, "rounds": args.rounds,
        "defaults_precision": resolve_precision(compose_config().trainer.precision, "cpu"),
        "peer_s_per_step": round(median["peer"], 4),
        "peer_rounds_s": [round(t, 3) for t in times["peer"]],
        "module_s_per_step": round(median["defaults"], 4),
        "peer_speedup": round(median["peer"] / median["defaults"], 3),
        "peer_gflop_per_step": round(flops["peer"] / 1e9, 1),
        "module_gflop_per_step": round(flops["module"] / 1e9, 1),
        "peer_gflops": round(flops["peer"] / 1e9 / median["peer"], 1),
        "module_gflops": round(flops["module"] / 1e9 / median["defaults"], 1),
        "first_step_losses_plain_vs_defaults": agree,
        "losses_agree_within_5pct": all(abs(a - b) <= 0.05 * abs(a) + 1e-3 for a, b in agree.values()),
        "variants": {
            name: {"s_per_step": round(median[name], 4), "speedup": round(base / median[name], 3),
                   "first_step_s": round(first_steps[name], 2), "rounds_s": [round(t, 3) for t in times[name]]}
            for name in table
        },
    }  # fmt: skip
    print(f"\nadversarial step, batch {args.batch} x {args.size}x{args.size}, {results['device']}, "
          f"median of {args.rounds} interleaved rounds x {args.steps} steps")  # fmt: skip
    print(f"{'':<26}{'s/step':>8}{'vs plain':>10}{'first step':>12}")
    print(f"{'peer (pytorch-animeGAN)':<26}{median['peer']:>8.3f}{base / median['peer']:>9.2f}x")
    for name, r in results["variants"].items():
        print(f"{name:<26}{r['s_per_step']:>8.3f}{r['speedup']:>9.2f}x{r['first_step_s']:>11.1f}s")
    print(
        f"\nours (defaults, {results['defaults_precision']}) against the peer: {results['peer_speedup']:.2f}x; "
        f"GFLOP per step: peer {results['peer_gflop_per_step']}, ours {results['module_gflop_per_step']}; "
        f"achieved GFLOP/s: peer {results['peer_gflops']}, ours {results['module_gflops']}"
    )
    print(f"first-step losses plain fp32 vs defaults: {agree} (agree: {results['losses_agree_within_5pct']})")
    emit_json(results, args.json)


if __name__ == "__main__":
    main()
