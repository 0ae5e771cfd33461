"""Unpaired epoch sampling: the longer domain sets the epoch, the shorter one is reshuffled and cycled.

It subclasses ``DistributedSampler`` only so that Lightning leaves it alone under DDP (it splits between ranks
itself) and calls ``set_epoch`` on it every epoch.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from torch.utils.data import DistributedSampler


def cycled_permutations(n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """``length`` indices in [0, n): a fresh random permutation of all ``n`` for each pass, concatenated."""
    passes = -(-length // n)
    return np.concatenate([rng.permutation(n) for _ in range(passes)])[:length]


class UnpairedSampler(DistributedSampler):
    """Yields ``(photo_index, anime_index, augment_seed)`` for one rank.

    An epoch has ``floor(max(n_photos, n_anime) / (batch_size * num_replicas))`` batches per rank (at least 1);
    global position ``i`` goes to rank ``i % num_replicas``, so ranks never share a position of the epoch.
    """

    def __init__(
        self,
        n_photos: int,
        n_anime: int,
        batch_size: int,
        num_replicas: int = 1,
        rank: int = 0,
        seed: int = 0,
    ) -> None:  # DistributedSampler.__init__ needs a dataset and a process group: set its fields directly
        if n_photos < 1 or n_anime < 1:
            raise ValueError("both domains need at least one image")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} outside [0, {num_replicas})")
        self.n_photos, self.n_anime, self.batch_size = n_photos, n_anime, batch_size
        self.num_replicas, self.rank, self.seed = num_replicas, rank, seed
        self.epoch, self.shuffle, self.drop_last = 0, True, True
        self.steps_per_epoch = max(1, max(n_photos, n_anime) // (batch_size * num_replicas))
        self.num_samples = self.steps_per_epoch * batch_size
        self.total_size = self.num_samples * num_replicas
        self._resume: tuple[int, int] | None = None  # (epoch, samples of this rank to skip), see resume_at

    def __len__(self) -> int:
        return self.num_samples

    def epoch_plan(self) -> np.ndarray:
        """All ranks' ``(photo, anime, seed)`` rows of the current epoch, shape (total_size, 3)."""
        rng = np.random.default_rng([self.seed, self.epoch])
        photos = cycled_permutations(self.n_photos, self.total_size, rng)
        anime = cycled_permutations(self.n_anime, self.total_size, rng)
        seeds = rng.integers(0, 2**31 - 1, self.total_size)
        return np.stack([photos, anime, seeds], axis=1)

    def resume_at(self, epoch: int, samples: int) -> None:
        """The next pass over epoch ``epoch`` starts at this rank's sample ``samples`` (a resumed run)."""
        self._resume = (int(epoch), int(samples))

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        start = 0
        if self._resume is not None and self._resume[0] == self.epoch:
            start = self._resume[1]
        self._resume = None
        for photo, anime, seed in self.epoch_plan()[self.rank :: self.num_replicas][start:]:
            yield int(photo), int(anime), int(seed)
