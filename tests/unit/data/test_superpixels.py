"""Superpixel images: segment means truncated as skimage 0.17's label2rgb(kind="avg") writes them, the
reference's folder name, and the offline photo step of prepare (outputs, idempotence, bad inputs, CLI)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import color, segmentation

from animegan.cli import main
from animegan.data.prepare.superpixels import (
    PHOTO_SUPERPIXELS,
    SuperpixelSettings,
    segment_means,
    superpixel_image,
)
from animegan.data.prepare.v3 import prepare_photo_superpixels
from animegan.errors import InputError


def save(path: Path, rgb: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)
    return path


def test_segment_means_truncate_like_label2rgb() -> None:
    rgb = np.array([[[10, 20, 30], [11, 21, 31], [200, 0, 0]]], dtype=np.uint8)
    labels = np.array([[0, 0, 1]])
    out = segment_means(rgb, labels)
    assert out[0, 0].tolist() == [10, 20, 30]  # means 10.5, 20.5, 30.5 truncated, not rounded
    assert out.dtype == np.uint8 and out[0, 2].tolist() == [200, 0, 0]
    np.testing.assert_array_equal(out, color.label2rgb(labels, rgb, bg_label=-1, kind="avg"))


def test_superpixel_image_is_felzenszwalb_plus_label2rgb(astronaut: np.ndarray) -> None:
    rgb = np.ascontiguousarray(astronaut[::4, ::4])
    labels = segmentation.felzenszwalb(rgb, scale=5, sigma=0.8, min_size=50)
    expected = color.label2rgb(labels, rgb, bg_label=-1, kind="avg")
    np.testing.assert_array_equal(superpixel_image(rgb), expected)
    assert len(np.unique(expected.reshape(-1, 3), axis=0)) < len(np.unique(rgb.reshape(-1, 3), axis=0)) / 10
    assert PHOTO_SUPERPIXELS == SuperpixelSettings(5, 0.8, 50)
    assert PHOTO_SUPERPIXELS.dirname == "seg_train_5-0.8-50"
    assert SuperpixelSettings(5.0, 0.8, 100).dirname == "seg_train_5-0.8-100"


def test_prepare_writes_one_superpixel_image_per_photo_idempotently(
    tmp_path: Path, astronaut, coffee
) -> None:
    photos = [
        save(tmp_path / "train_photo" / "a.png", astronaut[::8, ::8]),
        save(tmp_path / "train_photo" / "b.png", coffee[::8, ::8]),
    ]
    (tmp_path / "train_photo" / "broken.png").write_bytes(b"not an image")
    report = prepare_photo_superpixels(tmp_path, quiet=True)
    out = tmp_path / "seg_train_5-0.8-50"
    assert report.written == 2 and [name for name, _ in report.skipped] == ["broken.png"]
    for photo in photos:
        rgb = np.asarray(Image.open(photo).convert("RGB"))
        np.testing.assert_array_equal(np.asarray(Image.open(out / photo.name)), superpixel_image(rgb))
    again = prepare_photo_superpixels(tmp_path, workers=2, quiet=True)
    assert (again.written, again.up_to_date) == (0, 2)
    with pytest.raises(InputError, match="train_photo"):
        prepare_photo_superpixels(tmp_path / "elsewhere", quiet=True)


def test_cli_prepare_superpixels(tmp_path: Path, astronaut, capsys: pytest.CaptureFixture[str]) -> None:
    save(tmp_path / "Toon" / "style" / "s.png", astronaut[::8, ::8])
    save(tmp_path / "train_photo" / "p.png", astronaut[100:164, 100:164])
    assert (
        main(
            ["prepare", str(tmp_path / "Toon"), "--size", "32", "--superpixels", "--quiet", "--workers", "1"]
        )
        == 0
    )
    assert (tmp_path / "seg_train_5-0.8-50" / "p.png").is_file()
    assert "1 superpixel images written" in capsys.readouterr().out


def test_salt_noise_whitens_int_p_hw_draws_inside_the_border() -> None:
    from animegan.data.prepare.salt_noise import SALT_PROBABILITY, salt_noise

    rgb = np.zeros((40, 30, 3), np.uint8)
    rng = np.random.default_rng(0)
    out = salt_noise(rgb, SALT_PROBABILITY, rng)
    white = np.all(out == 255, axis=2)
    assert white.sum() <= int(0.1 * 40 * 30) and white.sum() > 0.8 * int(
        0.1 * 40 * 30
    )  # draws with replacement
    assert not white[0].any() and not white[-1].any() and not white[:, 0].any() and not white[:, -1].any()
    assert np.all((out == 0) | (out == 255)) and rgb.max() == 0  # salt only; the input is untouched


def test_prepare_salt_noise_and_the_loader_reads_it(tmp_path: Path, astronaut) -> None:
    from helpers.data_config import datamodule

    from animegan.data.prepare.style import prepare_style_dir
    from animegan.data.prepare.v3 import prepare_salt_noise

    style = tmp_path / "Shinkai"
    for i in range(2):
        save(style / "style" / f"s{i}.png", astronaut[i * 64 : i * 64 + 64, :64])
    save(tmp_path / "train_photo" / "p.png", astronaut[:64, 64:128])
    with pytest.raises(InputError, match="smooth"):
        prepare_salt_noise(tmp_path / "elsewhere", quiet=True)
    prepare_style_dir(style, size=64, quiet=True)
    dm = datamodule(
        tmp_path, "Shinkai", image_size=32, batch_size=1, num_workers=0, smooth_set="smooth_noise"
    )
    with pytest.raises(InputError, match="smooth_noise: missing.*--salt-noise"):
        dm.setup()
    report = prepare_salt_noise(style, quiet=True)
    assert report.written == 2
    noisy = np.asarray(Image.open(style / "smooth_noise" / "s0.png"))
    smooth = np.asarray(Image.open(style / "smooth" / "s0.png"))
    changed = np.any(noisy != smooth, axis=2)
    assert np.all(noisy[changed] == 255) and 0.05 < changed.mean() < 0.1
    prepare_salt_noise(style, force=True, quiet=True)
    np.testing.assert_array_equal(np.asarray(Image.open(style / "smooth_noise" / "s0.png")), noisy)  # seeded
    dm.setup()
    assert dm.smooth == [style / "smooth_noise" / "s0.png", style / "smooth_noise" / "s1.png"]
