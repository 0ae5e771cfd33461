"""Planning a stylize run: file and folder targets, mirroring, refusals."""

from __future__ import annotations

from pathlib import Path

from animegan.inference.plan import plan


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_folder_is_mirrored_and_other_files_skipped(tmp_path: Path):
    src = tmp_path / "photos"
    a, b, v = touch(src / "a.jpg"), touch(src / "deep" / "er" / "b.PNG"), touch(src / "clip.mp4")
    touch(src / "readme.txt")
    touch(src / ".hidden.png")
    jobs, failures = plan([src], tmp_path / "out")
    assert failures == []
    assert {(j.source, j.target, j.kind) for j in jobs} == {
        (a, tmp_path / "out" / "a.jpg", "image"),
        (b, tmp_path / "out" / "deep" / "er" / "b.PNG", "image"),
        (v, tmp_path / "out" / "clip.mp4", "video"),
    }


def test_one_file_to_a_file_name_or_into_a_folder(tmp_path: Path):
    photo = touch(tmp_path / "p.jpg")
    assert plan([photo], tmp_path / "x.png")[0][0].target == tmp_path / "x.png"
    assert plan([photo], tmp_path / "outdir")[0][0].target == tmp_path / "outdir" / "p.jpg"
    jobs, failures = plan([photo], tmp_path / "x.mp4")
    assert jobs == [] and "cannot be written as .mp4" in failures[0].message


def test_refusals(tmp_path: Path):
    photo = touch(tmp_path / "p.jpg")
    text = touch(tmp_path / "t.txt")
    jobs, failures = plan([photo, tmp_path / "missing.png", text], tmp_path)
    messages = {f.source.name: f.message for f in failures}
    assert jobs == []
    assert messages["p.jpg"].startswith("output path equals the input")
    assert messages["missing.png"] == "file not found"
    assert messages["t.txt"].startswith("unsupported file type .txt")


def test_clashing_targets_and_output_inside_input(tmp_path: Path):
    one, two = touch(tmp_path / "a" / "p.jpg"), touch(tmp_path / "b" / "p.jpg")
    jobs, failures = plan([one, two], tmp_path / "out")
    assert [j.source for j in jobs] == [one] and "already taken" in failures[0].message
    touch(tmp_path / "a" / "out" / "old.jpg")  # earlier results inside the input folder are not inputs
    jobs, _ = plan([tmp_path / "a"], tmp_path / "a" / "out")
    assert [j.source for j in jobs] == [one]
