"""``animegan eval`` end to end on tiny sets with a randomly initialised Inception of the release's layout
(offline): reports, saved features that reproduce the figures, bad and small sets, and the video mode."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers.synthetic_video import make_test_video
from skimage import data

from animegan.cli import main
from animegan.data.demo.cartoon import cartoonize
from animegan.eval import inception
from animegan.eval.features import extract
from animegan.eval.images import load_set
from animegan.eval.warping_error import warping_error
from animegan.imageio import write_image
from animegan.inference.stylizer import Stylizer
from animegan.video.probe import read_frames

N = 10  # images per set: Inception on the CPU is the slow part


def crops(image: np.ndarray, count: int, seed: int, size: int = 96) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    tops, lefts = rng.integers(0, h - size, count), rng.integers(0, w - size, count)
    return [image[t : t + size, s : s + size].copy() for t, s in zip(tops, lefts, strict=True)]


def write_set(folder: Path, images: list[np.ndarray]) -> Path:
    for i, rgb in enumerate(images):
        write_image(folder / f"{i:02d}.png", rgb)
    return folder


def reference_fid(a: np.ndarray, b: np.ndarray) -> float:
    """FID in NumPy for N << 2048 rows: Tr sqrt(Ca Cb) is the sum of the singular values of Xa Xb^T (centred rows)
    over sqrt((na - 1)(nb - 1)) (the non-zero eigenvalues of Ca Cb are their squares over that product)."""
    xa, xb = a - a.mean(0), b - b.mean(0)
    scale = (len(a) - 1) * (len(b) - 1)
    cross = np.linalg.svd(xa @ xb.T, compute_uv=False).sum() / np.sqrt(scale)
    traces = (xa**2).sum() / (len(a) - 1) + (xb**2).sum() / (len(b) - 1)
    return float(np.sum((a.mean(0) - b.mean(0)) ** 2) + traces - 2 * cross)


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("eval_sets")
    photos = crops(data.astronaut(), N, 0)
    rng = np.random.default_rng(1)
    return {
        "photos": write_set(root / "photos", photos),
        "other_photos": write_set(root / "other", crops(data.astronaut(), N, 2)),
        "style": write_set(root / "style", [cartoonize(c, rng) for c in crops(data.coffee(), N, 3)]),
        "inception": inception.write_random(root / "random_inception.pth"),
    }


def eval_args(sets: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return [
        "eval", "--photos", str(sets["photos"]), "--style", str(sets["style"]), "-o", str(out),
        "--inception", str(sets["inception"]), "--size", "64", "--kid-subset", "5", "--kid-subsets", "10",
        "--quiet", *extra,
    ]  # fmt: skip


def test_eval_writes_reports_and_features_that_reproduce_the_figures(
    sets, fabricated_weights: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    code = main(eval_args(sets, out, "--weights", str(fabricated_weights), "--save-features"))
    assert code == 0
    document = json.loads((out / "eval.json").read_text())
    protocol, (model_row,) = document["protocol"], document["models"]
    assert protocol["image_size"] == 64 and protocol["photos"]["count"] == N
    assert protocol["kid"]["subset_size"] == 5 and not protocol["feature_network"]["standard"]
    assert model_row["parameters"] > 2_000_000 and model_row["latency_256x256_s"] > 0
    table = (out / "eval.md").read_text()
    assert "FID to photo" in table and "NON-STANDARD" in table and str(fabricated_weights) in table
    assert (out / "eval.png").stat().st_size > 1000
    saved = {p.stem: np.load(p) for p in (out / "features").glob("*.npy")}
    assert saved["set_photo"].shape == (N, 2048)
    model = saved["model_random_generator"]
    assert model_row["fid_photo"] == pytest.approx(reference_fid(model, saved["set_photo"]), rel=1e-4)
    assert model_row["fid_style"] == pytest.approx(reference_fid(model, saved["set_style"]), rel=1e-4)
    # the stylized set is further from the photos than a disjoint set of photos is
    net = inception.load(sets["inception"])
    other = extract(net.network, load_set("other", sets["other_photos"], 64).images, quiet=True)
    assert model_row["fid_photo"] > 2 * reference_fid(other, saved["set_photo"])


def test_broken_image_is_named_and_skipped(sets, tmp_path: Path, capsys) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for path in sets["photos"].iterdir():
        (photos / path.name).write_bytes(path.read_bytes())
    (photos / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    out = tmp_path / "out"
    code = main(eval_args(sets | {"photos": photos}, out, "--baseline", "photo"))
    assert code == 0
    skipped = [line for line in capsys.readouterr().err.splitlines() if "broken.png" in line]
    assert len(skipped) == 1 and "skipped" in skipped[0]
    assert json.loads((out / "eval.json").read_text())["protocol"]["photos"] == {
        "folder": str(photos), "count": N, "skipped": 1,
    }  # fmt: skip


def test_too_small_set_is_one_line_before_any_stylizing(sets, tmp_path: Path, capsys) -> None:
    missing_weights = tmp_path / "never_loaded.pt"  # would fail if stylizing started
    code = main(eval_args(sets, tmp_path / "out", "--weights", str(missing_weights), "--kid-subset", "20"))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert f"{N} usable image(s)" in err[0] and "at least 20" in err[0] and "never_loaded" not in err[0]
    assert not (tmp_path / "out" / "eval.json").exists()


def test_video_reports_warping_errors(fabricated_weights: Path, tmp_path: Path, capsys) -> None:
    clip = make_test_video(tmp_path / "clip.mp4", frames=6, size=(64, 48), with_audio=False)
    code = main(["eval", "--video", str(clip), "--weights", str(fabricated_weights), "--temporal", "--quiet"])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert record["frames"] == 6 and record["size"] == "64x48"
    frames = list(read_frames(clip))
    plain = Stylizer.from_weights(fabricated_weights, device="cpu").stylize_batch(frames)
    assert record["warping_error_input"] == pytest.approx(warping_error(frames, frames), rel=1e-6)
    assert record["warping_error_plain"] == pytest.approx(warping_error(frames, plain), rel=1e-3)
    assert 0 < record["warping_error_temporal"] < record["warping_error_plain"]
