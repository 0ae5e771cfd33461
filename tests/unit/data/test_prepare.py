"""prepare: smooth/ outputs, data-mean JSON, idempotence, bad inputs, parallel workers."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from animegan.data.prepare.datamean import mean_shift
from animegan.data.prepare.smoothing import edge_smooth
from animegan.data.prepare.style import prepare_style_dir
from animegan.errors import InputError


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(path: Path, rgb: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)
    return path


@pytest.fixture
def style_root(tmp_path: Path, astronaut: np.ndarray, coffee: np.ndarray) -> Path:
    root = tmp_path / "data" / "Test"
    save(root / "style" / "a.png", astronaut[::4, ::4])
    save(root / "style" / "b.png", coffee[::4, ::4])
    save(root / "style" / "c.png", astronaut[200:300, 100:260])
    return root


def test_outputs_match_smoothing_and_inputs_untouched(style_root: Path) -> None:
    before = {p.name: digest(p) for p in (style_root / "style").iterdir()}
    report = prepare_style_dir(style_root, size=48, quiet=True)
    assert report.written == 3 and not report.skipped
    assert {p.name: digest(p) for p in (style_root / "style").iterdir()} == before
    for name in before:  # the reference's reads: colour and the decoder's own grayscale (not cvtColor)
        source = str(style_root / "style" / name)
        bgr, gray = cv2.imread(source), cv2.imread(source, cv2.IMREAD_GRAYSCALE)
        expected = cv2.cvtColor(edge_smooth(bgr, gray, 48), cv2.COLOR_BGR2RGB)
        np.testing.assert_array_equal(np.asarray(Image.open(style_root / "smooth" / name)), expected)
    assert not [p for p in (style_root / "smooth").iterdir() if p.name.startswith(".")]


def test_data_mean_is_the_average_of_per_image_means(tmp_path: Path) -> None:
    root = tmp_path / "Flat"
    save(root / "style" / "small.png", np.full((4, 4, 3), (200, 100, 0), np.uint8))
    save(root / "style" / "large.png", np.full((16, 16, 3), (0, 100, 110), np.uint8))
    save(tmp_path / "train_photo" / "p.png", np.zeros((8, 8, 3), np.uint8))
    prepare_style_dir(root, size=16, quiet=True)
    info = json.loads((root / "dataset.json").read_text())
    # per-image means averaged (each image counts once): R 100, G 100, B 55 -> overall 85
    np.testing.assert_allclose(info["channel_mean_rgb"], [100, 100, 55])
    np.testing.assert_allclose(info["mean_shift_rgb"], [-15, -15, 30])
    np.testing.assert_allclose(info["mean_shift_bgr"], [30, -15, -15])
    assert (info["n_style"], info["n_smooth"], info["n_skipped"], info["n_photos"]) == (2, 2, 0, 1)


def test_mean_shift_removes_the_cast() -> None:
    shift = mean_shift([[90.0, 120.0, 150.0]])
    np.testing.assert_allclose(np.add([90, 120, 150], shift["mean_shift_rgb"]), [120, 120, 120])


def test_idempotent_and_force(style_root: Path) -> None:
    prepare_style_dir(style_root, size=32, quiet=True)
    smooth = style_root / "smooth"
    stamps = {p.name: p.stat().st_mtime_ns for p in smooth.iterdir()}
    info = (style_root / "dataset.json").read_text()
    again = prepare_style_dir(style_root, size=32, quiet=True)
    assert (again.written, again.up_to_date) == (0, 3)
    assert {p.name: p.stat().st_mtime_ns for p in smooth.iterdir()} == stamps
    assert (style_root / "dataset.json").read_text() == info

    newer = stamps["b.png"] + 5_000_000_000
    os.utime(style_root / "style" / "b.png", ns=(newer, newer))
    touched = prepare_style_dir(style_root, size=32, quiet=True)
    assert (touched.written, touched.up_to_date) == (1, 2)
    assert prepare_style_dir(style_root, size=32, force=True, quiet=True).written == 3
    resized = prepare_style_dir(style_root, size=24, quiet=True)
    assert resized.written == 3 and Image.open(smooth / "a.png").size == (24, 24)


def write_bad_inputs(style: Path, astronaut: np.ndarray) -> dict[str, bool]:
    """Every bad-input kind; the value says whether prepare should convert (True) or skip (False) it."""
    base = astronaut[::8, ::8]
    save(style / "good.png", base)
    Image.fromarray(base).convert("L").save(style / "gray.png")
    Image.fromarray(np.dstack([base, np.full(base.shape[:2], 128, np.uint8)]), "RGBA").save(
        style / "rgba.png"
    )
    cv2.imwrite(str(style / "deep.png"), (base[..., ::-1].astype(np.uint16) * 257))
    Image.fromarray(base).convert("CMYK").save(style / "cmyk.jpg")
    Image.fromarray(base).convert("P").save(style / "palette.png")
    whole = (style / "good.png").read_bytes()
    (style / "truncated.png").write_bytes(whole[: len(whole) // 2])
    (style / "corrupt.jpg").write_bytes(
        np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    )
    (style / "text.png").write_text("this is not an image\n")
    (style / "notes.txt").write_text("ignored: not an image suffix\n")
    converts = {"good.png", "gray.png", "rgba.png", "deep.png", "cmyk.jpg", "palette.png"}
    return {
        name: name in converts
        for name in (
            "good.png",
            "gray.png",
            "rgba.png",
            "deep.png",
            "cmyk.jpg",
            "palette.png",
            "truncated.png",
            "corrupt.jpg",
            "text.png",
        )
    }


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_bad_inputs_converted_or_skipped(tmp_path: Path, astronaut: np.ndarray, workers: int) -> None:
    root = tmp_path / "Bad"
    kinds = write_bad_inputs(root / "style", astronaut)
    before = {p.name: digest(p) for p in (root / "style").iterdir()}
    report = prepare_style_dir(root, size=32, workers=workers, quiet=True)
    skipped = {name for name, _ in report.skipped}
    assert skipped == {name for name, ok in kinds.items() if not ok}
    for name, message in report.skipped:
        assert name in message and "\n" not in message
    produced = {p.name for p in (root / "smooth").iterdir()}
    assert produced == {name for name, ok in kinds.items() if ok}
    for name in produced:
        image = Image.open(root / "smooth" / name)
        assert image.size == (32, 32) and image.mode == "RGB"
    # Pillow decodes 48-bit RGB PNGs straight to 8 bits (so it may not be listed as converted)
    assert {"gray.png", "rgba.png", "cmyk.jpg", "palette.png"} <= {name for name, _ in report.converted}
    deep, good = (np.asarray(Image.open(root / "smooth" / n)) for n in ("deep.png", "good.png"))
    np.testing.assert_array_equal(deep, good)
    assert {p.name: digest(p) for p in (root / "style").iterdir()} == before
    assert json.loads((root / "dataset.json").read_text())["n_skipped"] == 3


def test_parallel_equals_serial(tmp_path: Path, astronaut: np.ndarray, coffee: np.ndarray) -> None:
    for name in ("serial", "parallel"):
        for i in range(4):
            save(
                tmp_path / name / "style" / f"{i}.png",
                (astronaut if i % 2 else coffee)[i * 20 :: 5, i * 10 :: 5],
            )
    prepare_style_dir(tmp_path / "serial", size=40, workers=1, quiet=True)
    prepare_style_dir(tmp_path / "parallel", size=40, workers=2, quiet=True)
    for i in range(4):
        assert digest(tmp_path / "serial" / "smooth" / f"{i}.png") == digest(
            tmp_path / "parallel" / "smooth" / f"{i}.png"
        )
    assert (tmp_path / "serial" / "dataset.json").read_text().replace("serial", "X") == (
        tmp_path / "parallel" / "dataset.json"
    ).read_text().replace("parallel", "X")


def test_missing_or_empty_style_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no 'style/' folder"):
        prepare_style_dir(tmp_path / "Nothing", quiet=True)
    (tmp_path / "Empty" / "style").mkdir(parents=True)
    with pytest.raises(InputError, match="no images"):
        prepare_style_dir(tmp_path / "Empty", quiet=True)


def test_accepts_the_style_folder_itself(style_root: Path) -> None:
    report = prepare_style_dir(style_root / "style", size=16, quiet=True)
    assert report.style_root == style_root and (style_root / "smooth" / "a.png").is_file()
