"""Image reading: EXIF orientation, alpha, 16-bit, CMYK, palette, animations, bombs, bad files; atomic writing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from animegan.errors import InputError
from animegan.imageio import read_image, write_animation, write_image


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
        write_image(tmp_path / "x.pcx", gradient())
    assert not list(tmp_path.iterdir())


def test_written_files_get_umask_permissions(tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        out = write_image(tmp_path / "p.png", gradient())
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` RGB pixels, with (almost) no pixel data."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_decompression_bombs_are_named_from_the_header(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_only(100_000, 100_000))  # past Pillow's own hard limit too
    with pytest.raises(InputError, match=r"10,000,000,000 pixels exceeds the limit .*decompression bomb"):
        read_image(bomb)
    assert bomb.stat().st_size < 200


def test_no_pillow_bomb_warning_under_our_limit(tmp_path: Path, recwarn) -> None:
    big = tmp_path / "big.png"  # 9500 x 9500 = 90.25 M pixels: over Pillow's warning level, under our limit
    big.write_bytes(png_header_only(9500, 9500))
    with pytest.raises(InputError, match="corrupt or truncated"):
        read_image(big)
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


def rgba_frames(count: int = 4) -> list[np.ndarray]:
    frames = []
    for index in range(count):
        frame = np.zeros((20, 30, 4), np.uint8)
        frame[..., :3] = np.roll(gradient(), 5 * index, axis=1)
        frame[..., 3] = 255
        frame[:, : 4 + 3 * index, 3] = 0  # a transparent band that grows
        frames.append(frame)
    return frames


@pytest.mark.parametrize("suffix", [".gif", ".png", ".webp"])
def test_animations_are_read_frame_by_frame_and_written_back(tmp_path: Path, suffix: str) -> None:
    from PIL import ImageSequence

    frames = rgba_frames()
    images = [Image.fromarray(f, "RGBA") for f in frames]
    src = tmp_path / f"anim{suffix}"
    options = {".webp": {"lossless": True}, ".gif": {"disposal": 2}}.get(suffix, {})
    images[0].save(
        src, save_all=True, append_images=images[1:], duration=[40, 60, 80, 100], loop=3, **options
    )
    loaded = read_image(src)
    animation = loaded.animation
    assert animation is not None and len(animation.frames) == 4
    assert animation.durations == [40, 60, 80, 100] and animation.loop == 3
    assert [int((a == 0).sum()) for a in animation.alphas] == [20 * (4 + 3 * i) for i in range(4)]
    visible = frames[2][..., 3] == 255
    error = np.abs(animation.frames[2].astype(int) - frames[2][..., :3])[visible].mean()
    assert error < (8 if suffix == ".gif" else 1)  # GIF: 256-colour palette
    np.testing.assert_array_equal(loaded.rgb, animation.frames[0])

    assert write_animation(tmp_path / f"out{suffix}", animation)
    with Image.open(tmp_path / f"out{suffix}") as out:
        written = []
        for frame in ImageSequence.Iterator(out):
            transparent = int((np.asarray(frame.convert("RGBA"))[..., 3] == 0).sum())  # loads: info is set
            written.append((int(frame.info["duration"]), transparent))
        assert written == [(40 + 20 * i, 20 * (4 + 3 * i)) for i in range(4)] and out.info["loop"] == 3


def test_an_animation_written_as_jpeg_keeps_the_first_frame(tmp_path: Path) -> None:
    images = [Image.fromarray(f[..., :3]) for f in rgba_frames(2)]
    images[0].save(tmp_path / "a.gif", save_all=True, append_images=images[1:], duration=50)
    animation = read_image(tmp_path / "a.gif").animation
    assert animation.alphas is None  # opaque frames carry no alpha
    assert not write_animation(tmp_path / "first.jpg", animation)
    assert Image.open(tmp_path / "first.jpg").size == (30, 20)


def test_too_many_frames_are_a_bomb_too(tmp_path: Path) -> None:
    images = [Image.fromarray(f[..., :3]) for f in rgba_frames(4)]
    images[0].save(tmp_path / "long.gif", save_all=True, append_images=images[1:])
    with pytest.raises(InputError, match=r"4 frames of 30x20 = 2,400 pixels exceeds the limit of 2,000"):
        read_image(tmp_path / "long.gif", max_pixels=2000)
