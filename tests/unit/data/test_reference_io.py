"""prepare writes the reference edge_smooth.py's files: its reads (colour + the decoder's gray), its writes."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers.edge_smooth_reference import reference_file
from PIL import Image

from animegan.data.prepare import reference_io
from animegan.data.prepare.reference_io import ReferenceReader, libpng_gray, png_header
from animegan.data.prepare.style import prepare_style_dir
from animegan.errors import InputError


def test_libpng_formula_is_the_png_decoders_grayscale(tmp_path: Path, astronaut, rng):
    for name, rgb in (("photo", astronaut), ("noise", rng.integers(0, 256, (97, 131, 3), dtype=np.uint8))):
        path = tmp_path / f"{name}.png"
        Image.fromarray(rgb).save(path)
        np.testing.assert_array_equal(libpng_gray(cv2.imread(str(path))), cv2.imread(str(path), 0))
        assert not np.array_equal(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.imread(str(path), 0))


def with_exif_rotation(rgb: np.ndarray, path: Path) -> Path:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    Image.fromarray(rgb).save(path, quality=90, exif=exif)
    return path


@pytest.fixture
def style_set(tmp_path: Path, astronaut, coffee) -> Path:
    style = tmp_path / "Set" / "style"
    style.mkdir(parents=True)
    Image.fromarray(astronaut[::6, ::6]).save(style / "a.png")
    Image.fromarray(coffee[::6, ::6]).save(style / "b.jpg", quality=90)
    Image.fromarray(coffee[100:190:2, 200:330:2]).save(style / "c.png")
    with_exif_rotation(astronaut[200:260, 100:180], style / "d.jpg")
    return tmp_path / "Set"


@pytest.mark.parametrize("workers", [1, 2])
def test_smooth_files_are_the_reference_scripts_bytes(style_set: Path, tmp_path: Path, workers: int):
    prepare_style_dir(style_set, size=64, workers=workers, quiet=True, png_level=None)
    for source in sorted((style_set / "style").iterdir()):
        expected = reference_file(source, tmp_path / "reference" / source.name, 64)
        ours = style_set / "smooth" / source.name
        assert ours.read_bytes() == expected.read_bytes(), source.name


def test_default_pngs_are_stored_with_the_reference_pixels(style_set: Path, tmp_path: Path):
    """Default: PNGs written stored (no zlib work), pixel for pixel the reference's; JPEGs its bytes."""
    prepare_style_dir(style_set, size=64, quiet=True)
    for source in sorted((style_set / "style").iterdir()):
        expected = reference_file(source, tmp_path / "reference" / source.name, 64)
        ours = style_set / "smooth" / source.name
        if source.suffix == ".png":
            pixels = cv2.imread(str(ours), cv2.IMREAD_UNCHANGED)
            np.testing.assert_array_equal(pixels, cv2.imread(str(expected), cv2.IMREAD_UNCHANGED))
            assert ours.stat().st_size > pixels.nbytes > expected.stat().st_size  # stored: raw size and more
        else:
            assert ours.read_bytes() == expected.read_bytes(), source.name


def test_png_level_is_checked(style_set: Path):
    with pytest.raises(InputError, match="--png-level 12"):
        prepare_style_dir(style_set, size=64, quiet=True, png_level=12)


def test_the_data_mean_is_of_the_reference_decode(style_set: Path):
    import json

    prepare_style_dir(style_set, size=64, quiet=True)
    means = [cv2.imread(str(p)).reshape(-1, 3).mean(0)[::-1] for p in sorted((style_set / "style").iterdir())]
    info = json.loads((style_set / "dataset.json").read_text())
    np.testing.assert_allclose(info["channel_mean_rgb"], np.mean(means, axis=0), rtol=0, atol=1e-9)


def test_a_formula_that_disagrees_with_the_decoder_is_not_used(style_set: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(reference_io, "LIBPNG_GRAY_WEIGHTS", np.array([1, 1, 32766], np.uint32))
    reader = ReferenceReader()
    for name in ("a.png", "c.png"):
        path = style_set / "style" / name
        np.testing.assert_array_equal(reader.read(path).gray, cv2.imread(str(path), 0))
    assert reader._png_formula is False


def with_chunk(png: bytes, kind: bytes, data: bytes) -> bytes:
    """``png`` with one more chunk right after IHDR."""
    chunk = struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return png[:33] + chunk + png[33:]


def test_pngs_with_gamma_or_16_bits_are_recognised(tmp_path: Path, astronaut):
    plain = tmp_path / "plain.png"
    Image.fromarray(astronaut[::8, ::8]).save(plain)
    assert png_header(plain).plain_rgb8
    gamma = tmp_path / "gamma.png"
    gamma.write_bytes(with_chunk(plain.read_bytes(), b"gAMA", struct.pack(">I", 45455)))
    assert png_header(gamma).colour_chunks and not png_header(gamma).plain_rgb8
    np.testing.assert_array_equal(ReferenceReader().read(gamma).gray, cv2.imread(str(gamma), 0))
    deep = tmp_path / "deep.png"
    cv2.imwrite(str(deep), astronaut[::8, ::8, ::-1].astype(np.uint16) * 257)
    assert png_header(deep).depth == 16
    image = ReferenceReader().read(deep)
    assert image.converted_from == "16-bit PNG"
    np.testing.assert_array_equal(image.gray, cv2.imread(str(plain), 0))
