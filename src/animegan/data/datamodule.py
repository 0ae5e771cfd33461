"""LightningDataModule of unpaired photos and anime frames (with their edge-smoothed copies), plus val photos."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset

from animegan.data.layout import (
    INFO_FILE,
    SMOOTH_NOISE_DIR,
    DatasetLayout,
    list_images,
    read_info,
)
from animegan.data.reading import SkippingReader
from animegan.data.resumable import ResumableLoader
from animegan.data.sampling import UnpairedSampler
from animegan.data.transforms import center_square, gray3, random_crop_flip, random_crops_flips, to_tensor
from animegan.errors import InputError
from animegan.imageio import read_image


class UnpairedImages(Dataset):
    """Training samples keyed by ``(photo_index, anime_index, seed)`` from :class:`UnpairedSampler`.

    A file lost or unreadable mid-run is handled by ``reader`` (skipped for the next good one, or stop).
    """

    def __init__(
        self,
        photos: Sequence[Path],
        anime: Sequence[Path],
        smooth: Sequence[Path],
        image_size: int,
        shift_rgb: Sequence[float] | None,
        clip: bool = True,
        superpixels: Sequence[Path] | None = None,
        reader: SkippingReader | None = None,
    ) -> None:
        self.photos, self.anime, self.smooth = list(photos), list(anime), list(smooth)
        self.image_size, self.shift_rgb, self.clip = image_size, shift_rgb, clip
        self.superpixels = list(superpixels) if superpixels is not None else None
        self.reader = reader or SkippingReader()

    def __len__(self) -> int:
        return max(len(self.photos), len(self.anime))

    def _photo_and_superpixel(self, index: int) -> list[np.ndarray]:
        """The photo at ``index`` and, for AnimeGANv3, its superpixel image."""
        photos = [read_image(self.photos[index]).rgb]
        if self.superpixels is not None:
            photos.append(read_image(self.superpixels[index]).rgb)
        return photos

    def __getitem__(self, key: tuple[int, int, int]) -> dict[str, torch.Tensor]:
        photo_index, anime_index, seed = key
        rng = np.random.default_rng(seed)
        size = self.image_size
        photos = self.reader.read("photo", photo_index, len(self.photos), self._photo_and_superpixel)
        pair = self.reader.read(
            "anime",
            anime_index,
            len(self.anime),
            lambda i: (read_image(self.anime[i]).rgb, read_image(self.smooth[i]).rgb),
        )
        photo, *superpixel = random_crops_flips(photos, size, rng)  # the same crop for both
        anime = random_crop_flip(pair[0], size, rng)
        smooth = random_crop_flip(pair[1], size, rng)
        item = {
            "photo": to_tensor(photo),
            "anime": to_tensor(anime, self.shift_rgb, self.clip),
            "anime_gray": to_tensor(gray3(anime)),
            "smooth_gray": to_tensor(gray3(smooth)),
        }
        if superpixel:  # AnimeGANv3 also reads the colour smooth image (its grayscale is computed in-graph)
            item |= {"superpixel": to_tensor(superpixel[0]), "smooth": to_tensor(smooth)}
        return item


class SquarePhotos(Dataset):
    """Photos resized and centre-cropped to ``size`` x ``size``, in file-name order."""

    def __init__(self, paths: Sequence[Path], size: int, reader: SkippingReader | None = None) -> None:
        self.paths, self.size = list(paths), size
        self.reader = reader or SkippingReader()

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rgb = self.reader.read("val", index, len(self.paths), lambda i: read_image(self.paths[i]).rgb)
        return {"photo": to_tensor(center_square(rgb, self.size))}


class AnimeGANDataModule(pl.LightningDataModule):
    """Batches of ``photo``, ``anime``, ``anime_gray``, ``smooth_gray`` (float32, [-1, 1], (B, 3, S, S)).

    ``mean_shift``: ``"auto"`` (from ``<Style>/dataset.json`` written by prepare), ``"none"``/``None``, or an
    explicit ``[r, g, b]`` added to the colour anime images before scaling. ``num_replicas``/``rank`` default to
    the trainer's world size and global rank. ``on_bad_file``: ``"skip"`` a file lost or unreadable mid-run (named
    on stderr, the next readable image takes its place) or ``"stop"`` the run with one line. ``superpixels``
    (AnimeGANv3, set by ``model=v3``): batches also hold ``superpixel`` (each photo's superpixel image, cropped
    with it) and ``smooth`` (the smoothed anime). ``smooth_set``: the folder of smoothed anime images (``smooth``;
    ``smooth_noise`` for v3 Shinkai). Every argument is given by ``conf/data/default.yaml`` (its defaults live
    there only).
    """

    def __init__(
        self,
        root: str,
        style: str,
        *,
        image_size: int,
        batch_size: int,
        num_workers: int,
        mean_shift: str | Sequence[float] | None,
        val_size: int,
        val_count: int,
        pin_memory: bool,
        persistent_workers: bool,
        seed: int,
        clip_mean_shift: bool,
        num_replicas: int | None,
        rank: int | None,
        on_bad_file: str,
        superpixels: bool,
        smooth_set: str,
    ) -> None:
        super().__init__()
        self.reader = SkippingReader(on_bad_file)
        self.layout = DatasetLayout(Path(root).expanduser(), style, smooth_set)
        self.image_size, self.batch_size, self.num_workers = image_size, batch_size, num_workers
        self.mean_shift, self.val_size, self.val_count = mean_shift, val_size, val_count
        self.pin_memory, self.persistent_workers, self.seed = pin_memory, persistent_workers, seed
        self.clip_mean_shift, self.num_replicas, self.rank = clip_mean_shift, num_replicas, rank
        self.use_superpixels = superpixels
        self.photos: list[Path] = []
        self.superpixels: list[Path] | None = None
        self.anime: list[Path] = []
        self.smooth: list[Path] = []
        self.val_photos: list[Path] = []
        self.shift_rgb: list[float] | None = None
        self.ready = False  # set up: the images found and the layout checked

    # ----------------------------------------------------------------- discovery and checks
    def setup(self, stage: str | None = None) -> None:
        """Find the images and check the layout, once (Lightning calls this again at each ``fit``); raise
        InputError with one line telling what to run."""
        if self.ready:
            return
        self._discover()
        self.ready = True

    def _discover(self) -> None:
        layout = self.layout
        fix = f"run `animegan prepare {layout.style_root}`"
        get = f"`animegan download NAME --root {layout.root}` or `animegan demo-data {layout.root}`"
        if not layout.root.is_dir():
            raise InputError(f"{layout.root}: dataset folder not found; create one with {get}")
        self.photos = list_images(layout.photo_dir)
        if not self.photos:
            raise InputError(
                f"{layout.photo_dir}: missing or no images; expected training photos, get them with {get}"
            )
        self.anime = list_images(layout.style_dir)
        if not self.anime:
            raise InputError(
                f"{layout.style_dir}: missing or no images; expected anime frames of style {layout.style!r}, "
                f"get them with {get}, then {fix}"
            )
        smooth_names = {p.name for p in list_images(layout.smooth_dir)}
        missing = [p.name for p in self.anime if p.name not in smooth_names]
        if missing:
            what = "missing" if not smooth_names else f"lacks {len(missing)} of {len(self.anime)} images"
            extra = " --salt-noise" if layout.smooth_set == SMOOTH_NOISE_DIR else ""
            raise InputError(f"{layout.smooth_dir}: {what}; {fix}{extra}")
        self.smooth = [layout.smooth_dir / p.name for p in self.anime]
        if self.use_superpixels:
            self.superpixels = self._photo_superpixels(f"{fix} --superpixels")
        self.val_photos = (list_images(layout.val_dir) or self.photos)[: self.val_count]
        self.shift_rgb = self._resolve_mean_shift(fix)

    def _photo_superpixels(self, fix: str) -> list[Path]:
        folder = self.layout.photo_superpixel_dir
        names = {p.name for p in list_images(folder)}
        missing = [p.name for p in self.photos if p.name not in names]
        if missing:
            what = "missing" if not names else f"lacks {len(missing)} of {len(self.photos)} photos"
            raise InputError(f"{folder}: {what} (AnimeGANv3 reads each photo's superpixel image); {fix}")
        return [folder / p.name for p in self.photos]

    def _resolve_mean_shift(self, fix: str) -> list[float] | None:
        shift = self.mean_shift
        if shift is None or (isinstance(shift, str) and shift.lower() == "none"):
            return None
        if isinstance(shift, str):
            if shift.lower() != "auto":
                raise InputError(f"data.mean_shift={shift!r}: expected auto, none or [r, g, b]")
            info = read_info(self.layout.style_root)
            if info is None or "mean_shift_rgb" not in info:
                raise InputError(
                    f"{self.layout.style_root / INFO_FILE}: not found (data.mean_shift=auto needs it); {fix}, "
                    "or set data.mean_shift=none"
                )
            return [float(v) for v in info["mean_shift_rgb"]]
        values = [float(v) for v in shift]
        if len(values) != 3:
            raise InputError(f"data.mean_shift={values}: expected three numbers [r, g, b]")
        return values

    def _ensure_setup(self) -> None:
        self.setup()

    def _world(self) -> tuple[int, int]:
        trainer = getattr(self, "trainer", None)
        world = self.num_replicas if self.num_replicas is not None else getattr(trainer, "world_size", 1)
        rank = self.rank if self.rank is not None else getattr(trainer, "global_rank", 0)
        return int(world or 1), int(rank or 0)

    # ----------------------------------------------------------------- loaders
    def _loader(
        self, dataset: Dataset, batch_size: int, kind: type[DataLoader] = DataLoader, **kwargs: Any
    ) -> DataLoader:
        # each iterator draws its workers' base seed from ``generator``: from the global torch generator without
        # one, which made the run's random numbers depend on how many iterators a process had created (a resumed
        # run creates them at other points than an uninterrupted one); the samples' own seeds come from the sampler
        return kind(
            dataset,
            batch_size=batch_size,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory and torch.cuda.is_available(),
            persistent_workers=self.persistent_workers and self.num_workers > 0,
            generator=torch.Generator().manual_seed(int(self.seed)),
            **kwargs,
        )

    def train_sampler(self) -> UnpairedSampler:
        """The sampler of one rank (world size and rank from the trainer unless given)."""
        self._ensure_setup()
        world, rank = self._world()
        return UnpairedSampler(len(self.photos), len(self.anime), self.batch_size, world, rank, self.seed)

    def train_dataloader(self) -> DataLoader:
        self._ensure_setup()
        dataset = UnpairedImages(
            self.photos,
            self.anime,
            self.smooth,
            self.image_size,
            self.shift_rgb,
            self.clip_mean_shift,
            self.superpixels,
            self.reader,
        )
        sampler = self.train_sampler()  # resumable: checkpoints hold the position in the epoch
        return self._loader(dataset, self.batch_size, ResumableLoader, sampler=sampler, drop_last=True)

    def val_dataloader(self) -> DataLoader:
        self._ensure_setup()
        dataset = SquarePhotos(self.val_photos, self.val_size, self.reader)
        return self._loader(dataset, max(1, min(self.batch_size, len(self.val_photos))), shuffle=False)

    def style_sample(self, n: int) -> torch.Tensor:
        """``n`` grayscale style images (the first by name, cycled), centre-cropped: (n, 3, S, S) in [-1, 1]."""
        self._ensure_setup()
        count = len(self.anime)
        rgbs = [
            self.reader.read("anime", i % count, count, lambda j: read_image(self.anime[j]).rgb)
            for i in range(n)
        ]
        images = [to_tensor(gray3(center_square(rgb, self.image_size))) for rgb in rgbs]
        return torch.stack(images) if images else torch.empty(0, 3, self.image_size, self.image_size)
