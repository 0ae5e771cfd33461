"""``animegan frames``: a style set from synthetic anime clips (real PyAV encode/decode), resumable, bad inputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from helpers.anime_clips import Shot, write_clip
from PIL import Image

from animegan.cli import main

# shots: A, black, B (fades out over its last 6 frames), C (blurred), A again (duplicate), D
SHOTS = [Shot(1, 18), Shot(0, 6, "black"), Shot(2, 18, fade=6), Shot(3, 12, "blur"), Shot(1, 12), Shot(4, 18)]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple[Path, list[range]]:
    path = tmp_path_factory.mktemp("clips") / "episode.mp4"
    return path, write_clip(path, SHOTS, size=(192, 108), bars=14)


def frames(argv: list[str], capsys) -> tuple[int, list[str], list[str]]:
    code = main(["frames", *argv, "--quiet"])
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err.splitlines()


def kept_indices(style_dir: Path) -> list[int]:
    return sorted(int(re.search(r"_(\d+)\.png$", p.name).group(1)) for p in style_dir.glob("*.png"))


def test_style_set_from_video(clip, tmp_path, capsys) -> None:
    path, shots = clip
    code, out, err = frames(
        [str(path), "--style", "Toon", "--root", str(tmp_path), "--every", "0.25"], capsys
    )
    assert code == 0, err
    style_root = tmp_path / "Toon"
    kept = kept_indices(style_root / "style")
    a, black, b, blurred, again, d = shots
    fading = range(b.stop - 6, b.stop)
    for shot in (a, b, d):  # a few sharp frames of every clean shot
        assert 1 <= sum(i in shot for i in kept) <= 2
    assert not [i for i in kept if i in black or i in fading or i in blurred or i in again]
    for image in (style_root / "style").glob("*.png"):
        rgb = np.asarray(Image.open(image))
        assert rgb.shape == (256, 256, 3)
        assert rgb[:3].mean() > 40 and rgb[-3:].mean() > 40  # letterbox bars were cut off
        assert (style_root / "smooth" / image.name).is_file()
    info = json.loads((style_root / "dataset.json").read_text())
    assert info["n_style"] == len(kept) and info["size"] == 256
    assert out[0].startswith(f"{path}: {len(kept)} frames kept")


def test_rerun_skips_done_videos_and_resumes_interrupted_ones(clip, tmp_path, capsys) -> None:
    path, _ = clip
    argv = [str(path), "--style", "Toon", "--root", str(tmp_path), "--every", "0.25"]
    assert frames(argv, capsys)[0] == 0
    style_dir = tmp_path / "Toon" / "style"
    before = {p.name: p.stat().st_mtime_ns for p in style_dir.iterdir()}
    code, out, _ = frames(argv, capsys)
    assert code == 0 and out[0] == f"{path}: already done ({len(before)} frames)"
    assert {p.name: p.stat().st_mtime_ns for p in style_dir.iterdir()} == before
    # an interrupted run: the video is not recorded as done and one frame is missing
    (tmp_path / "Toon" / "frames.json").unlink()
    lost = sorted(before)[1]
    content = (style_dir / lost).read_bytes()
    (style_dir / lost).unlink()
    code, out, _ = frames(argv, capsys)
    assert code == 0 and "already done" not in out[0]
    assert (style_dir / lost).read_bytes() == content
    assert {p.name: p.stat().st_mtime_ns for p in style_dir.iterdir() if p.name != lost} == {
        k: v for k, v in before.items() if k != lost
    }


def test_max_frames_and_resize_fit(clip, tmp_path, capsys) -> None:
    path, _ = clip
    argv = [
        str(path),
        "--style",
        "S",
        "--root",
        str(tmp_path),
        "--max",
        "2",
        "--size",
        "64",
        "--fit",
        "resize",
    ]
    code, _, err = frames(argv, capsys)
    assert code == 0, err
    images = list((tmp_path / "S" / "style").glob("*.png"))
    assert 1 <= len(images) <= 2
    assert all(Image.open(p).size == (64, 64) for p in images)


def test_inputs_that_are_not_videos_are_named_in_one_line(clip, tmp_path, capsys) -> None:
    path, _ = clip
    (tmp_path / "notes.txt").write_text("not a video")
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(tmp_path / "still.png")
    inputs = [str(tmp_path / "notes.txt"), str(tmp_path / "still.png"), str(tmp_path / "gone.mkv"), str(path)]
    code, out, err = frames([*inputs, "--style", "S", "--root", str(tmp_path / "ds")], capsys)
    assert code == 1
    assert len(err) == 3
    assert err[0].startswith(f"animegan frames: error: {tmp_path / 'gone.mkv'}: file not found")
    assert f"{tmp_path / 'notes.txt'}: not a readable video" in err[1]
    assert f"{tmp_path / 'still.png'}: is a still image" in err[2]
    assert any(line.startswith(f"{path}:") for line in out)  # the good video was still processed
    assert list((tmp_path / "ds" / "S" / "style").glob("*.png"))


def test_bad_options_are_usage_errors(clip, tmp_path, capsys) -> None:
    path, _ = clip
    code, _, err = frames([str(path), "--style", "S", "--root", str(tmp_path), "--every", "0"], capsys)
    assert code == 2 and err == ["animegan frames: error: every 0.0: expected seconds > 0"]


def test_progress_bar_and_defaults_from_the_options(clip, tmp_path, capsys) -> None:
    from animegan.cli import build_parser
    from animegan.cli.frames import options_from
    from animegan.frames.options import FrameOptions

    args = build_parser().parse_args(["frames", "v.mp4", "--style", "S", "--root", "r"])
    assert options_from(args) == FrameOptions()
    path, shots = clip
    assert main(["frames", str(path), "--style", "S", "--root", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert f"frames {path.name}" in err and f"{shots[-1].stop}/{shots[-1].stop}" in err and "frame/s" in err
