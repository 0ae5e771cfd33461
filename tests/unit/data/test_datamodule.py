"""AnimeGANDataModule: batch contract, mean shift, epoch length, cycling, two-rank split, setup errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.data_config import datamodule
from PIL import Image

from animegan.data.datamodule import AnimeGANDataModule
from animegan.data.prepare.style import prepare_style_dir
from animegan.data.sampling import UnpairedSampler
from animegan.errors import InputError

SIZE = 32


def save(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 photos (some smaller than the crop), 6 bright style images (prepared), 3 val photos."""
    from skimage import data

    root = tmp_path_factory.mktemp("dm")
    rng = np.random.default_rng(0)
    photo = data.astronaut()
    for i in range(10):
        side = 24 if i % 3 == 0 else 48  # 24 < SIZE: must be resized up
        top, left = rng.integers(0, 400, 2)
        save(
            root / "train_photo" / f"p{i:02d}.png",
            photo[top : top + side * 2 : 2, left : left + side * 2 + 8 : 2],
        )
    for i in range(6):
        style = rng.integers(150, 256, (40, 44, 3), dtype=np.uint8)
        style[:, :, 2] = 250  # saturated blue channel: a shift must clip there
        save(root / "Toon" / "style" / f"s{i}.png", style)
    for name in ("v2", "v0", "v1"):
        save(root / "val" / f"{name}.png", rng.integers(0, 256, (30, 50, 3), dtype=np.uint8))
    prepare_style_dir(root / "Toon", size=40, quiet=True)
    return root


def module(root: Path, **kwargs) -> AnimeGANDataModule:
    options = {"image_size": SIZE, "batch_size": 4, "val_size": 20, "val_count": 8, "num_workers": 0} | kwargs
    dm = datamodule(root, "Toon", **options)
    dm.setup("fit")
    return dm


def test_batch_contract(dataset: Path) -> None:
    dm = module(dataset)
    batches = list(dm.train_dataloader())
    assert len(batches) == 10 // 4  # floor(max(10 photos, 6 anime) / batch)
    for batch in batches:
        assert set(batch) == {"photo", "anime", "anime_gray", "smooth_gray"}
        for value in batch.values():
            assert value.dtype == torch.float32 and value.shape == (4, 3, SIZE, SIZE)
            assert value.min() >= -1 and value.max() <= 1
        for key in ("anime_gray", "smooth_gray"):
            assert torch.equal(batch[key][:, 0], batch[key][:, 1]) and torch.equal(
                batch[key][:, 0], batch[key][:, 2]
            )
        assert not torch.equal(batch["anime"][:, 0], batch["anime"][:, 1])


def test_mean_shift_auto_none_and_explicit(dataset: Path) -> None:
    info = json.loads((dataset / "Toon" / "dataset.json").read_text())
    plain = next(iter(module(dataset, mean_shift="none").train_dataloader()))["anime"]
    auto = next(iter(module(dataset, mean_shift="auto").train_dataloader()))["anime"]
    explicit = next(iter(module(dataset, mean_shift=[10.0, -20.0, 0.0]).train_dataloader()))["anime"]
    raw = (plain + 1) * 127.5
    for shifted, shift in ((auto, info["mean_shift_rgb"]), (explicit, [10.0, -20.0, 0.0])):
        expected = ((raw + torch.tensor(shift).view(1, 3, 1, 1)) / 127.5 - 1).clamp(-1, 1)
        torch.testing.assert_close(shifted, expected, atol=1e-5, rtol=0)
    assert info["mean_shift_rgb"][2] < 0 and not torch.equal(auto, plain)
    unclipped = next(iter(module(dataset, mean_shift=[60.0, 0, 0], clip_mean_shift=False).train_dataloader()))
    assert unclipped["anime"][:, 0].max() > 1  # the reference behaviour: no clipping
    gray_none = next(iter(module(dataset, mean_shift="none").train_dataloader()))["anime_gray"]
    gray_auto = next(iter(module(dataset, mean_shift="auto").train_dataloader()))["anime_gray"]
    assert torch.equal(gray_none, gray_auto)  # grayscale images are never shifted


def test_epoch_cycles_the_shorter_domain_and_reshuffles() -> None:
    sampler = UnpairedSampler(n_photos=12, n_anime=5, batch_size=4)
    assert len(sampler) == 12
    first = list(sampler)
    photos, anime = [p for p, _, _ in first], [a for _, a, _ in first]
    assert sorted(photos) == list(range(12))  # longer domain: each exactly once
    assert sorted(Counter(anime).values()) == [2, 2, 2, 3, 3]  # shorter domain: cycled, whole passes first
    assert set(anime[:5]) == set(range(5)) and set(anime[5:10]) == set(range(5))
    sampler.set_epoch(1)
    assert list(sampler) != first
    sampler.set_epoch(0)
    assert list(sampler) == first


def test_epoch_length_is_floor_and_at_least_one() -> None:
    assert len(UnpairedSampler(13, 7, batch_size=4)) == 12
    assert len(UnpairedSampler(3, 2, batch_size=4)) == 4  # tiny sets still give one batch
    assert UnpairedSampler(100, 30, batch_size=12, num_replicas=2).steps_per_epoch == 100 // 24


def test_two_ranks_get_disjoint_positions_and_photos() -> None:
    ranks = [UnpairedSampler(40, 9, batch_size=4, num_replicas=2, rank=r, seed=3) for r in (0, 1)]
    for sampler in ranks:
        sampler.set_epoch(5)
    rows = [list(s) for s in ranks]
    assert len(rows[0]) == len(rows[1]) == 20
    photos = [{p for p, _, _ in r} for r in rows]
    assert not photos[0] & photos[1] and photos[0] | photos[1] == set(range(40))
    seeds = [{s for _, _, s in r} for r in rows]
    assert not seeds[0] & seeds[1]


def test_datamodule_uses_the_given_rank(dataset: Path) -> None:
    loaders = [
        module(dataset, batch_size=2, num_replicas=2, rank=r, mean_shift="none").train_dataloader()
        for r in (0, 1)
    ]
    assert len(loaders[0]) == len(loaders[1]) == 10 // 4
    first = [next(iter(loader))["photo"] for loader in loaders]
    assert not torch.equal(first[0], first[1])
    assert [tuple(x) for x in loaders[0].sampler] == [tuple(x) for x in loaders[0].sampler.epoch_plan()[0::2]]


def test_augmentation_is_deterministic_per_seed(dataset: Path) -> None:
    a = next(iter(module(dataset, seed=1).train_dataloader()))
    b = next(iter(module(dataset, seed=1, num_workers=2).train_dataloader()))
    c = next(iter(module(dataset, seed=2).train_dataloader()))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["photo"], c["photo"])


def test_val_loader_and_style_sample(dataset: Path) -> None:
    dm = module(dataset)
    val = list(dm.val_dataloader())
    photos = torch.cat([b["photo"] for b in val])
    assert set(val[0]) == {"photo"} and photos.shape == (3, 3, 20, 20)
    again = torch.cat([b["photo"] for b in module(dataset).val_dataloader()])
    assert torch.equal(photos, again)
    assert [p.name for p in dm.val_photos] == ["v0.png", "v1.png", "v2.png"]
    sample = dm.style_sample(8)
    assert sample.shape == (8, 3, SIZE, SIZE) and sample.dtype == torch.float32
    assert sample.min() >= -1 and sample.max() <= 1
    assert torch.equal(sample[:, 0], sample[:, 2]) and torch.equal(sample, dm.style_sample(8))
    assert torch.equal(sample[0], sample[6])  # 6 style images, cycled in name order


def test_setup_errors_tell_what_to_run(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="animegan demo-data"):
        module(tmp_path / "absent")
    with pytest.raises(InputError, match="train_photo: missing.*animegan download"):
        module(tmp_path)
    save(tmp_path / "train_photo" / "p.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(InputError, match="style: missing.*animegan prepare"):
        module(tmp_path)
    root = tmp_path / "partial"
    for i in range(3):
        save(root / "train_photo" / f"{i}.png", np.zeros((8, 8, 3), np.uint8))
        save(root / "Toon" / "style" / f"{i}.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(InputError, match=r"smooth: missing; run `animegan prepare"):
        module(root)
    save(root / "Toon" / "smooth" / "0.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(InputError, match="lacks 2 of 3 images"):
        module(root)
    for i in (1, 2):
        save(root / "Toon" / "smooth" / f"{i}.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(InputError, match="dataset.json: not found"):
        module(root)
    assert module(root, mean_shift=None).shift_rgb is None
    for bad in ("sideways", [1.0, 2.0]):
        with pytest.raises(InputError, match="mean_shift"):
            module(root, mean_shift=bad)


def test_val_falls_back_to_training_photos(dataset: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "noval"
    shutil.copytree(dataset, root, ignore=shutil.ignore_patterns("val"))
    dm = module(root, val_count=4)
    assert [p.name for p in dm.val_photos] == ["p00.png", "p01.png", "p02.png", "p03.png"]
    assert next(iter(dm.val_dataloader()))["photo"].shape == (4, 3, 20, 20)


def test_superpixels_come_with_their_photo_crop_and_the_colour_smooth_image(
    dataset: Path, tmp_path: Path
) -> None:
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(dataset, root)
    with pytest.raises(InputError, match=r"seg_train_5-0.8-50: missing .*animegan prepare .* --superpixels"):
        module(root, superpixels=True)
    # each photo's "superpixel image" is the photo itself: the batch must show the same crop and flip of both
    shutil.copytree(root / "train_photo", root / "seg_train_5-0.8-50")
    dm = module(root, superpixels=True, mean_shift="none")
    for batch in dm.train_dataloader():
        assert set(batch) == {"photo", "anime", "anime_gray", "smooth_gray", "superpixel", "smooth"}
        assert torch.equal(batch["superpixel"], batch["photo"])
        assert not torch.equal(batch["smooth"][:, 0], batch["smooth"][:, 1])  # colour, unlike smooth_gray
    (root / "seg_train_5-0.8-50" / "p03.png").unlink()
    with pytest.raises(InputError, match="lacks 1 of 10 photos"):
        module(root, superpixels=True)


def test_iterating_the_loaders_draws_nothing_from_the_global_generator(dataset: Path) -> None:
    """A resumed run creates its loader iterators at other points than an uninterrupted one: if each drew its
    workers' base seed from the global torch generator, the run's later random numbers would differ."""
    dm = module(dataset)
    torch.manual_seed(0)
    before = torch.get_rng_state()
    for loader in (dm.train_dataloader(), dm.val_dataloader()):
        next(iter(loader))
        next(iter(loader))
    assert torch.equal(torch.get_rng_state(), before)
