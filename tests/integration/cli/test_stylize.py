"""``animegan stylize`` on images and folders: size, EXIF rotation, alpha, 16-bit, mirroring, every bad input."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image


def photo(rng, h: int, w: int) -> np.ndarray:
    ys, xs = np.mgrid[0:h, 0:w]
    base = np.stack([xs * 255 // max(w - 1, 1), ys * 255 // max(h - 1, 1), (xs * ys) % 256], axis=2)
    return np.clip(base + rng.integers(0, 30, (h, w, 3)), 0, 255).astype(np.uint8)


def test_sizes_not_multiple_of_four_keep_size(tmp_path, rng, fabricated_weights, run_stylize):
    src = tmp_path / "odd.jpg"
    Image.fromarray(photo(rng, 37, 61)).save(src, quality=95)
    code, out, _ = run_stylize(
        str(src), "-o", str(tmp_path / "styled.png"), "--weights", str(fabricated_weights)
    )
    assert code == 0 and out == [str(tmp_path / "styled.png")]
    result = Image.open(tmp_path / "styled.png")
    assert result.size == (61, 37) and result.mode == "RGB"


def test_exif_rotation_is_applied(tmp_path, rng, fabricated_weights, run_stylize):
    stored = photo(rng, 24, 40)  # stored landscape, EXIF says rotate 90: displayed portrait 40 x 24
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(tmp_path / "rot.jpg", exif=exif.tobytes(), quality=95)
    code, _, _ = run_stylize(
        str(tmp_path / "rot.jpg"), "-o", str(tmp_path / "out"), "--weights", str(fabricated_weights)
    )
    assert code == 0
    assert Image.open(tmp_path / "out" / "rot.jpg").size == (24, 40)


def test_alpha_is_kept_and_16_bit_read(tmp_path, rng, fabricated_weights, run_stylize):
    rgba = np.concatenate([photo(rng, 30, 34), rng.integers(0, 256, (30, 34, 1), dtype=np.uint8)], axis=2)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    deep = (np.linspace(0, 65535, 28 * 36).reshape(28, 36)).astype(np.uint16)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    code, _, err = run_stylize(
        str(tmp_path / "alpha.png"),
        str(tmp_path / "deep.png"),
        "-o",
        str(tmp_path / "o"),
        "--weights",
        str(fabricated_weights),
    )
    assert code == 0, err
    out = Image.open(tmp_path / "o" / "alpha.png")
    assert out.mode == "RGBA" and np.array_equal(np.asarray(out)[..., 3], rgba[..., 3])
    assert Image.open(tmp_path / "o" / "deep.png").size == (36, 28)


def test_folder_is_mirrored_recursively(tmp_path, rng, fabricated_weights, run_stylize):
    src = tmp_path / "album"
    (src / "trip" / "day1").mkdir(parents=True)
    Image.fromarray(photo(rng, 20, 24)).save(src / "a.png")
    Image.fromarray(photo(rng, 22, 18)).save(src / "trip" / "day1" / "b.webp")
    (src / "trip" / "notes.txt").write_text("not an image")
    code, out, err = run_stylize(str(src), "-o", str(tmp_path / "out"), "--weights", str(fabricated_weights))
    assert code == 0 and err[-1] == "stylized 2 of 2 input(s)"
    assert sorted(
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()
    ) == [
        "a.png",
        "trip/day1/b.webp",
    ]
    assert Image.open(tmp_path / "out" / "trip" / "day1" / "b.webp").size == (18, 22)


def test_every_bad_input_is_one_line_and_the_rest_is_processed(
    tmp_path, rng, fabricated_weights, run_stylize
):
    good = tmp_path / "good.png"
    Image.fromarray(photo(rng, 16, 20)).save(good)
    buffer = io.BytesIO()
    Image.fromarray(photo(rng, 64, 64)).save(buffer, format="JPEG")
    (tmp_path / "truncated.jpg").write_bytes(buffer.getvalue()[:300])
    (tmp_path / "garbage.png").write_bytes(b"this is not a png")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "doc.txt").write_text("hello")
    Image.fromarray(photo(rng, 50, 50)).save(tmp_path / "big.png")
    (tmp_path / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200))
    names = ["missing.png", "truncated.jpg", "garbage.png", "empty.png", "doc.txt", "big.png", "broken.mp4"]
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    code, out, err = run_stylize(
        *[str(tmp_path / n) for n in names],
        str(good),
        "-o",
        str(tmp_path / "out"),
        "--weights",
        str(fabricated_weights),
        "--max-pixels",
        "2000",
    )
    assert code == 1
    assert out == [str(tmp_path / "out" / "good.png")]
    errors = err[:-1]
    assert len(errors) == len(names)
    for name in names:
        assert sum(name in line for line in errors) == 1, name
    assert err[-1] == f"stylized 1 of {len(names) + 1} input(s), {len(names)} failed"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.png"]  # nothing half-written
    assert all(p.read_bytes() == data for p, data in before.items())  # inputs untouched
    joined = "\n".join(errors)
    assert (
        "file not found" in joined
        and "unsupported file type .txt" in joined
        and "exceeds the limit" in joined
    )


def test_zero_size_image_is_refused(tmp_path, fabricated_weights, run_stylize):
    # a PNG header claiming 0 x 0 pixels
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 0, 8, 2, 0, 0, 0))
        + chunk(b"IEND", b"")
    )
    (tmp_path / "zero.png").write_bytes(png)
    code, _, err = run_stylize(
        str(tmp_path / "zero.png"), "-o", str(tmp_path / "o"), "--weights", str(fabricated_weights)
    )
    assert code == 1 and len(err) == 2 and "zero.png" in err[0]


def test_output_equal_to_input_is_refused(tmp_path, rng, fabricated_weights, run_stylize):
    src = tmp_path / "same.png"
    Image.fromarray(photo(rng, 16, 16)).save(src)
    original = src.read_bytes()
    code, _, err = run_stylize(str(src), "-o", str(src), "--weights", str(fabricated_weights))
    assert code == 1 and "output path equals the input" in err[0]
    assert src.read_bytes() == original


def test_unwritable_output_directory(tmp_path, rng, fabricated_weights, run_stylize):
    src = tmp_path / "p.png"
    Image.fromarray(photo(rng, 16, 16)).save(src)
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    code, out, err = run_stylize(str(src), "-o", str(blocker / "out"), "--weights", str(fabricated_weights))
    assert code == 1 and out == [] and len(err) == 2 and "cannot create the output folder" in err[0]


def test_weights_of_another_architecture(tmp_path, rng, fabricated_weights, run_stylize):
    src = tmp_path / "p.png"
    Image.fromarray(photo(rng, 16, 16)).save(src)
    other = tmp_path / "classifier.pt"
    torch.save(torch.nn.Linear(4, 2).state_dict(), other)
    code, _, err = run_stylize(str(src), "-o", str(tmp_path / "o"), "--weights", str(other))
    assert code == 1 and "not an AnimeGAN" in err[0] and len(err) == 2
    assert not (tmp_path / "o" / "p.png").exists()


def test_no_weights_and_empty_cache_says_how_to_get_them(tmp_path, rng, run_stylize, monkeypatch):
    monkeypatch.setenv("ANIMEGAN_CACHE", str(tmp_path / "empty_cache"))
    src = tmp_path / "p.png"
    Image.fromarray(photo(rng, 16, 16)).save(src)
    code, _, err = run_stylize(str(src), "-o", str(tmp_path / "o"))
    assert code == 1 and "animegan weights download" in err[0] and "make demo" in err[0]


def test_console_entry_point_runs(tmp_path, rng, fabricated_weights):
    import subprocess
    import sys

    src = tmp_path / "p.png"
    Image.fromarray(photo(rng, 20, 20)).save(src)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "animegan.cli",
            "stylize",
            str(src),
            "-o",
            str(tmp_path / "o"),
            "--weights",
            str(fabricated_weights),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "o" / "p.png").is_file()
