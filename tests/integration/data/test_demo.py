"""demo-data: layout, determinism per seed, disjoint val source, the CLI, and prepare's CLI exit codes."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from animegan.cli import demo_data as demo_cli
from animegan.cli import prepare as prepare_cli
from animegan.data.demo.dataset import DEMO_STYLE, make_demo_dataset

SMALL = {"n_photos": 6, "n_style": 5, "n_val": 3, "size": 64}


def run_cli(module, argv: list[str]) -> int:
    """Parse ``argv`` with only ``module``'s sub-command registered and run it."""
    parser = argparse.ArgumentParser(prog="animegan")
    module.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_layout_and_contents(tmp_path: Path) -> None:
    root = make_demo_dataset(tmp_path / "d", seed=0, **SMALL)
    superpixels = "seg_train_5-0.8-50"  # the photos' superpixel images, for experiment=demo model=v3
    assert sorted(p.name for p in root.iterdir()) == sorted(["train_photo", DEMO_STYLE, "val", superpixels])
    photos = sorted((root / "train_photo").iterdir())
    assert [p.name for p in sorted((root / superpixels).iterdir())] == [p.name for p in photos]
    style = sorted((root / DEMO_STYLE / "style").iterdir())
    smooth = sorted((root / DEMO_STYLE / "smooth").iterdir())
    assert len(photos) == 6 and len(style) == 5 and [p.name for p in smooth] == [p.name for p in style]
    assert len(list((root / "val").iterdir())) == 3
    for path in photos + style + smooth:
        assert Image.open(path).size == (64, 64)
    info = json.loads((root / DEMO_STYLE / "dataset.json").read_text())
    assert (info["n_style"], info["n_photos"], info["n_skipped"]) == (5, 6, 0)
    # the style domain is flat-coloured: far fewer distinct colours than the photos
    colours = [
        len(np.unique(np.asarray(Image.open(p)).reshape(-1, 3), axis=0)) for p in (photos[0], style[0])
    ]
    assert colours[1] * 4 < colours[0]


def test_deterministic_per_seed(tmp_path: Path) -> None:
    a = tree_digest(make_demo_dataset(tmp_path / "a", seed=3, **SMALL))
    b = tree_digest(make_demo_dataset(tmp_path / "b", seed=3, **SMALL))
    c = tree_digest(make_demo_dataset(tmp_path / "c", seed=4, **SMALL))
    assert a == b
    assert a.keys() == c.keys() and a != c


def test_val_comes_from_a_photo_not_used_for_training(tmp_path: Path) -> None:
    from skimage import data

    root = make_demo_dataset(tmp_path / "d", seed=0, **SMALL)
    full = np.asarray(Image.open(root / "val" / "val_000.jpg")).astype(int)
    assert full.shape == data.chelsea().shape
    assert np.abs(full - data.chelsea()).mean() < 4


def test_cli_rebuilds_in_place(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["demo-data", str(tmp_path / "d"), "--photos", "4", "--style", "3", "--val", "2", "--size", "48"]
    assert run_cli(demo_cli, argv) == 0
    (tmp_path / "d" / "train_photo" / "stale.jpg").write_bytes(b"old")
    assert run_cli(demo_cli, argv) == 0
    assert sorted(p.name for p in (tmp_path / "d" / "train_photo").iterdir()) == [
        f"photo_{i:03d}.jpg" for i in range(4)
    ]
    assert not (tmp_path / "d" / ".demo-build").exists()
    assert "4 photos" in capsys.readouterr().out
    assert run_cli(demo_cli, ["demo-data", str(tmp_path / "e"), "--photos", "0"]) == 2


def test_prepare_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    root = make_demo_dataset(tmp_path / "d", seed=0, **SMALL)
    assert (
        run_cli(prepare_cli, ["prepare", str(root / DEMO_STYLE), "--size", "64", "--workers", "1", "--quiet"])
        == 0
    )
    assert "0 smoothed, 5 up to date, 0 skipped" in capsys.readouterr().out
    (root / DEMO_STYLE / "style" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    assert (
        run_cli(prepare_cli, ["prepare", str(root / DEMO_STYLE), "--size", "64", "--workers", "1", "--quiet"])
        == 1
    )
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if "broken.png" in line]
    assert len(lines) == 1 and "skipped" in lines[0]
    assert "1 skipped" in captured.out


def test_through_the_animegan_entry_point(tmp_path: Path) -> None:
    from animegan.cli import main

    root = tmp_path / "d"
    assert main(["demo-data", str(root), "--photos", "3", "--style", "3", "--val", "1", "--size", "48"]) == 0
    assert main(["prepare", str(root / DEMO_STYLE), "--size", "48", "--workers", "1", "--quiet"]) == 0
    assert (
        main(["download", "vgg19", "--root", str(tmp_path), "--url", "http://127.0.0.1:9/x.npy", "--quiet"])
        == 1
    )
