"""``stylize --keep-colors --strength`` on images, folders and videos (fabricated random generator weights)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.synthetic_video import make_test_video
from PIL import Image
from skimage.color import rgb2ycbcr

from animegan.inference.colors import ColorAdjust
from animegan.inference.stylizer import Stylizer
from animegan.video.probe import read_frames


def chroma_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(rgb2ycbcr(a)[..., 1:] - rgb2ycbcr(b)[..., 1:]).mean())


def read(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.fixture(scope="module")
def stylizer(fabricated_weights) -> Stylizer:
    return Stylizer.from_weights(fabricated_weights, device="cpu", precision="fp32")


@pytest.mark.slow
def test_image_keep_colors_and_strength(tmp_path, write_png, fabricated_weights, run_stylize) -> None:
    from skimage import data

    cat = data.chelsea()
    src = write_png("cat.png", cat)
    weights = ("--weights", str(fabricated_weights))
    for name, flags in {"plain": (), "kept": ("--keep-colors",), "zero": ("--strength", "0")}.items():
        code, _, err = run_stylize(str(src), "-o", str(tmp_path / f"{name}.png"), *weights, *flags)
        assert code == 0, err
    plain, kept, zero = (read(tmp_path / f"{n}.png") for n in ("plain", "kept", "zero"))
    assert chroma_error(kept, cat) <= 4 and chroma_error(kept, cat) < chroma_error(plain, cat) / 3
    assert np.abs(zero.astype(float) - cat).mean() <= 1.5
    assert np.abs(plain.astype(float) - cat).mean() > 10  # the plain run did stylize


@pytest.mark.slow
def test_folder_items_get_the_same_adjustment(
    tmp_path, write_png, coffee, fabricated_weights, stylizer, run_stylize
):
    photos = {"a.png": coffee[:80, :96], "sub/b.png": coffee[100:164, 200:248]}
    for name, rgb in photos.items():
        write_png(f"in/{name}", rgb)
    code, out, err = run_stylize(
        str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--weights", str(fabricated_weights),
        "--strength", "0.6", "--keep-colors",
    )  # fmt: skip
    assert code == 0 and len(out) == 2, err
    adjust = ColorAdjust(strength=0.6, keep_colors=True)
    for name, rgb in photos.items():
        assert np.array_equal(read(tmp_path / "out" / name), adjust(rgb, stylizer(rgb)))


@pytest.mark.slow
def test_video_frames_get_the_adjustment(tmp_path, fabricated_weights, stylizer, run_stylize) -> None:
    clip = make_test_video(tmp_path / "clip.mp4", frames=8, fps=8, size=(64, 48))
    weights = ("--weights", str(fabricated_weights), "--crf", "0")
    for name, flags in {"plain": (), "kept": ("--keep-colors",), "half": ("--strength", "0.5")}.items():
        code, _, err = run_stylize(str(clip), "-o", str(tmp_path / f"{name}.mkv"), *weights, *flags)
        assert code == 0, err
    originals = list(read_frames(clip))
    plain, kept, half = (list(read_frames(tmp_path / f"{n}.mkv")) for n in ("plain", "kept", "half"))
    assert len(kept) == len(half) == len(originals) == 8
    for frame, p, k in zip(originals, plain, kept, strict=True):
        assert chroma_error(k, frame) < chroma_error(p, frame) / 3
    expected = [ColorAdjust(strength=0.5)(f, stylizer(f)) for f in originals]
    # crf 0 is lossless in YUV; the RGB<->yuv420p round trip costs a little
    assert max(np.abs(h.astype(int) - e).mean() for h, e in zip(half, expected, strict=True)) < 3.0
