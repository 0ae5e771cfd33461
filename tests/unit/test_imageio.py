"""Image reading: EXIF orientation, alpha, 16-bit, CMYK, palette, bad files; atomic writing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from animegan.errors import InputError
from animegan.imageio import read_image, write_image


def gradient(h: int = 20, w: int = 30) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 90)], axis=2).astype(np.uint8)


def test_exif_orientation_applied(tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display needs a 90 degree clockwise turn
    Image.fromarray(gradient()).save(path, exif=exif, quality=95)
    loaded = read_image(path)
    assert loaded.rgb.shape == (30, 20, 3)
    expected = np.rot90(gradient(), k=-1)
    assert np.abs(loaded.rgb.astype(int) - expected).mean() < 4


def test_alpha_kept(tmp_path: Path) -> None:
    rgba = np.dstack([gradient(), np.tile(np.arange(30, dtype=np.uint8) * 8, (20, 1))])
    path = tmp_path / "a.png"
    Image.fromarray(rgba, "RGBA").save(path)
    loaded = read_image(path)
    np.testing.assert_array_equal(loaded.alpha, rgba[..., 3])
    np.testing.assert_array_equal(loaded.rgb, rgba[..., :3])
    out = write_image(tmp_path / "out.png", loaded.rgb, loaded.alpha)
    np.testing.assert_array_equal(np.asarray(Image.open(out))[..., 3], rgba[..., 3])


def test_16_bit_gray_and_rgb(tmp_path: Path) -> None:
    gray16 = np.full((8, 8), 40000, np.uint16)
    cv2.imwrite(str(tmp_path / "g16.png"), gray16)
    loaded = read_image(tmp_path / "g16.png")
    assert loaded.rgb.dtype == np.uint8 and loaded.rgb.shape == (8, 8, 3)
    assert abs(int(loaded.rgb[0, 0, 0]) - round(40000 / 65535 * 255)) <= 1
    rgb16 = np.zeros((8, 8, 3), np.uint16)
    rgb16[..., 2] = 65535  # cv2 is BGR: red channel full
    rgb16[..., 1] = 20000
    cv2.imwrite(str(tmp_path / "c16.png"), rgb16)
    loaded = read_image(tmp_path / "c16.png")
    assert abs(int(loaded.rgb[0, 0, 0]) - 255) <= 1
    assert abs(int(loaded.rgb[0, 0, 1]) - round(20000 / 65535 * 255)) <= 1
    assert int(loaded.rgb[0, 0, 2]) == 0


def test_cmyk_grayscale_palette_converted(tmp_path: Path) -> None:
    Image.fromarray(gradient()).convert("CMYK").save(tmp_path / "cmyk.jpg")
    Image.fromarray(gradient()).convert("L").save(tmp_path / "gray.png")
    Image.fromarray(gradient()).convert("P").save(tmp_path / "pal.png")
    for name, kind in [("cmyk.jpg", "CMYK"), ("gray.png", "L"), ("pal.png", "P")]:
        loaded = read_image(tmp_path / name)
        assert loaded.rgb.shape == (20, 30, 3) and loaded.converted_from == kind


def test_bad_files(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(good)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    fake = tmp_path / "fake.jpg"
    fake.write_text("not an image at all")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    cases = {
        tmp_path / "missing.png": "not found",
        truncated: "truncated",
        fake: "not a readable image",
        empty: "empty",
    }
    for path, phrase in cases.items():
        with pytest.raises(InputError, match=phrase) as info:
            read_image(path)
        assert "\n" not in str(info.value) and str(path) in str(info.value)
    with pytest.raises(InputError, match="exceeds the limit"):
        read_image(good, max_pixels=1000)
    assert good.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # inputs untouched


def test_write_unknown_suffix_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write"):
        write_image(tmp_path / "x.gif", gradient())
    assert not list(tmp_path.iterdir())


def test_written_files_get_umask_permissions(tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        out = write_image(tmp_path / "p.png", gradient())
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644
