"""AnimeGANv3's per-step targets, computed on the CPU from the generator's outputs of the current step.

- SPf: the superpixel image of the guided-filtered support output Gs^ (``superpixels.superpixel_image``).
- NL0: the raw support output Gs through OpenCV's coloured NL-means, then L0 gradient smoothing (Xu et al.).

Images go to uint8 as the reference does (``uint8(clip((x + 1) * 127.5, 0, 255))``, truncating), one job per image
and target, on a process pool (felzenszwalb holds the GIL), a thread pool, or inline (``workers=0``). Jobs are
submitted right after the generator's forward pass and collected when a loss first needs them, so the GPU keeps
working on the terms that do not need them meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import scipy.fft
import torch

from animegan.data.prepare.superpixels import SuperpixelSettings, superpixel_image
from animegan.errors import AnimeGANError
from animegan.pixel_scale import to_byte, to_unit
from animegan.workers import default_workers, process_pool

BACKENDS = ("process", "thread")


@dataclass(frozen=True)
class NLMeansSettings:
    """``cv2.fastNlMeansDenoisingColored`` arguments: luma and colour strengths, template and search windows."""

    h: float
    h_color: float
    template: int
    search: int


@dataclass(frozen=True)
class L0Settings:
    """L0 gradient smoothing: ``lam`` (lambda), ``kappa`` (beta growth), ``beta_max``; beta starts at 2 lambda.

    The reference's values live in ``conf/model/v3.yaml`` (``model.loss.targets.l0``) only.
    """

    lam: float
    kappa: float
    beta_max: float


def _forward_differences(s: np.ndarray, h: np.ndarray, v: np.ndarray) -> None:
    """Circular forward differences of ``s`` along W into ``h`` and along H into ``v`` (last: first - last)."""
    np.subtract(s[:, 1:], s[:, :-1], out=h[:, :-1])
    np.subtract(s[:, :1], s[:, -1:], out=h[:, -1:])
    np.subtract(s[1:], s[:-1], out=v[:-1])
    np.subtract(s[:1], s[-1:], out=v[-1:])


def _divergence(h: np.ndarray, v: np.ndarray, out: np.ndarray) -> np.ndarray:
    """D^T (h, v): the transposed (backward, circular) differences of ``h`` along W plus ``v`` along H."""
    np.subtract(h[:, -1:], h[:, :1], out=out[:, :1])
    np.subtract(h[:, :-1], h[:, 1:], out=out[:, 1:])
    out[:1] += v[-1:] - v[:1]
    out[1:] += v[:-1] - v[1:]
    return out


def l0_smooth(image: np.ndarray, settings: L0Settings) -> np.ndarray:
    """L0 smoothing of an (H, W, C) float image (float64 out), with periodic boundaries solved by FFT.

    Each iteration zeroes the forward differences (circular) whose squared norm over the channels is below
    lambda / beta, then solves (1 + beta D^T D) S = I + beta D^T (h, v) in the Fourier domain.
    """
    s = np.asarray(image, dtype=np.float64)
    height, width = s.shape[:2]
    # |OTF|^2 of the difference kernels [1, -1] along W (real-FFT half) and along H
    dx2 = 2.0 - 2.0 * np.cos(2.0 * np.pi * np.arange(width // 2 + 1) / width)
    dy2 = 2.0 - 2.0 * np.cos(2.0 * np.pi * np.arange(height) / height)
    gradient_energy = (dy2[:, None] + dx2[None, :])[..., None]
    image_spectrum = scipy.fft.rfft2(s, axes=(0, 1))
    h, v, divergence = np.empty_like(s), np.empty_like(s), np.empty_like(s)
    beta = 2.0 * settings.lam
    while beta < settings.beta_max:
        _forward_differences(s, h, v)
        energy = np.einsum("ijc,ijc->ij", h, h) + np.einsum("ijc,ijc->ij", v, v)
        keep = (energy >= settings.lam / beta)[..., None]  # small gradients are set to zero on all channels
        h *= keep
        v *= keep
        spectrum = scipy.fft.rfft2(_divergence(h, v, divergence), axes=(0, 1))
        spectrum *= beta
        spectrum += image_spectrum
        spectrum *= 1.0 / (1.0 + beta * gradient_energy)
        s = scipy.fft.irfft2(spectrum, s=(height, width), axes=(0, 1))
        beta *= settings.kappa
    return s


def nl0_image(rgb: np.ndarray, nlmeans: NLMeansSettings, l0: L0Settings) -> np.ndarray:
    """The NL0 target of an RGB uint8 image as float32 in [-1, 1].

    The RGB array goes to OpenCV unchanged, which reads it as BGR (the reference passes RGB too)."""
    denoised = cv2.fastNlMeansDenoisingColored(
        np.ascontiguousarray(rgb), None, nlmeans.h, nlmeans.h_color, nlmeans.template, nlmeans.search
    )
    smoothed = l0_smooth(denoised / 255.0, l0)
    return np.clip(smoothed.astype(np.float32) * 2.0 - 1.0, -1.0, 1.0)


def to_uint8_images(images: torch.Tensor) -> np.ndarray:
    """NCHW [-1, 1] -> NHWC uint8 by truncation of clip((x + 1) * 127.5, 0, 255), on the CPU."""
    return to_byte(images, rounded=False).permute(0, 2, 3, 1).contiguous().cpu().numpy()


def superpixel_target(rgb: np.ndarray, settings: SuperpixelSettings) -> np.ndarray:
    """SPf of one RGB uint8 image, float32 in [-1, 1]."""
    return to_unit(torch.from_numpy(superpixel_image(rgb, settings))).numpy()


class PendingTargets:
    """Targets being computed for one batch; each property waits for its jobs the first time it is read."""

    def __init__(self, jobs: Mapping[str, list[Future]], device: torch.device) -> None:
        self.jobs, self.device = dict(jobs), device
        self.done: dict[str, torch.Tensor] = {}
        self.blocked_s = 0.0  # how long the training step stood still for the targets (submitting, waiting)

    def get(self, name: str) -> torch.Tensor:
        """The batch of target ``name`` (NCHW float32 in [-1, 1] on the generator's device)."""
        if name not in self.done:
            start = time.perf_counter()
            try:
                images = np.stack([job.result() for job in self.jobs[name]])
            except BrokenProcessPool:
                raise AnimeGANError(
                    "the online-target worker processes stopped; a script that starts training must do so under "
                    "`if __name__ == '__main__':` (or set model.loss.targets.backend=thread)"
                ) from None
            self.blocked_s += time.perf_counter() - start
            tensor = torch.from_numpy(images).permute(0, 3, 1, 2)
            self.done[name] = tensor.to(self.device, non_blocking=True)
        return self.done[name]


class _Inline(Executor):
    """Runs each job at submission (``workers=0``): the serial baseline."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


class OnlineTargets:
    """SPf and NL0 of every image of a batch, on a pool of ``workers`` (``None``: one per core, up to the batch)."""

    NAMES = ("fake_superpixel", "fake_nl0")

    def __init__(
        self,
        superpixel: Mapping[str, float],
        nlmeans: Mapping[str, float],
        l0: Mapping[str, float],
        workers: int | None,
        backend: str,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown online-target backend {backend!r}; expected one of {BACKENDS}")
        self.superpixel = SuperpixelSettings(**superpixel)
        self.nlmeans = NLMeansSettings(**nlmeans)
        self.l0 = L0Settings(**l0)
        self.workers, self.backend = workers, backend
        self._executor: Executor | None = None

    @property
    def settings(self) -> dict[str, Any]:
        """The settings as plain values (recorded with the loss weights)."""
        return {
            "superpixel": vars(self.superpixel),
            "nlmeans": vars(self.nlmeans),
            "l0": vars(self.l0),
            "workers": self.workers,
            "backend": self.backend,
        }

    def _pool(self, batch_size: int) -> Executor:
        if self._executor is None:
            workers = default_workers(batch_size) if self.workers is None else int(self.workers)
            if workers <= 0:
                self._executor = _Inline()
            elif self.backend == "thread":
                self._executor = ThreadPoolExecutor(workers, thread_name_prefix="v3-targets")
            else:
                self._executor = process_pool(workers, __name__)
        return self._executor

    def submit(self, filtered: torch.Tensor, raw: torch.Tensor) -> PendingTargets:
        """Start SPf (from ``filtered`` = Gs^) and NL0 (from ``raw`` = Gs) for each image of the batch."""
        start = time.perf_counter()
        pool = self._pool(len(raw))
        filtered_u8, raw_u8 = to_uint8_images(filtered), to_uint8_images(raw)
        jobs = {
            "fake_superpixel": [
                pool.submit(superpixel_target, image, self.superpixel) for image in filtered_u8
            ],
            "fake_nl0": [pool.submit(nl0_image, image, self.nlmeans, self.l0) for image in raw_u8],
        }
        pending = PendingTargets(jobs, raw.device)
        pending.blocked_s = time.perf_counter() - start  # inline (workers=0): the whole computation
        return pending

    def close(self) -> None:
        """Stop the pool (a later submit starts a new one)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_executor": None}  # pools do not travel (ddp_spawn pickles the module)
