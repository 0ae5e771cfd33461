"""One ``animegan stylize`` call on a folder of awkward and broken inputs, every file built here.

Good ones all get outputs (right size, upright, alpha and animation kept); each broken one is named on stderr
in exactly one line (no traceback) and gets no output; the exit status is 1.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from animegan.inference.runtimes.precision import psnr
from animegan.inference.stylizer import Stylizer


def photo(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    ys, xs = np.mgrid[0:h, 0:w]
    base = np.stack([xs * 255 // max(w - 1, 1), ys * 255 // max(h - 1, 1), (xs * ys) % 256], axis=2)
    return np.clip(base + rng.integers(0, 30, (h, w, 3)), 0, 255).astype(np.uint8)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A 60-byte PNG whose header claims ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )


def build_folder(folder: Path, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Write every awkward and broken case; returns the stored pixels of the EXIF-rotated one."""
    folder.mkdir()
    stored = photo(rng, 24, 40)  # stored landscape; EXIF orientation 6: shown turned 90 degrees clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(folder / "rotated.jpg", exif=exif.tobytes(), quality=95)
    Image.fromarray(photo(rng, 30, 40)).convert("CMYK").save(folder / "cmyk.jpg")
    Image.fromarray(np.linspace(0, 65535, 28 * 36).reshape(28, 36).astype(np.uint16)).save(
        folder / "deep.png"
    )
    Image.fromarray(photo(rng, 26, 34)).convert("L").save(folder / "gray.png")
    palette = Image.fromarray(photo(rng, 30, 40)).quantize(colors=16)
    palette.save(folder / "palette.png", transparency=0)
    rgba = np.dstack([photo(rng, 30, 40), rng.integers(0, 256, (30, 40), dtype=np.uint8)])
    Image.fromarray(rgba, "RGBA").save(folder / "rgba.png")
    Image.fromarray(photo(rng, 1, 1)).save(folder / "dot.png")
    Image.fromarray(photo(rng, 8, 3000)).save(folder / "thin.png")
    frames = [Image.fromarray(photo(rng, 32, 48)) for _ in range(3)]
    frames[0].save(
        folder / "anim.gif", save_all=True, append_images=frames[1:], duration=[80, 120, 160], loop=0
    )
    Image.fromarray(photo(rng, 40, 44)).save(folder / "progressive.jpg", progressive=True, quality=90)
    (folder / "png_inside.jpg").write_bytes(encoded(Image.fromarray(photo(rng, 20, 30)), "PNG"))
    # broken ones
    (folder / "zero.jpg").write_bytes(b"")
    (folder / "truncated.jpg").write_bytes(encoded(Image.fromarray(photo(rng, 64, 64)), "JPEG")[:300])
    whole_png = encoded(Image.fromarray(photo(rng, 64, 64)), "PNG")
    (folder / "truncated.png").write_bytes(whole_png[: len(whole_png) // 2])
    (folder / "random.png").write_bytes(rng.integers(0, 256, 4000, dtype=np.uint8).tobytes())
    (folder / "text.jpg").write_text("hello, I am not a picture\n")
    (folder / "bomb.png").write_bytes(png_bomb(100_000, 100_000))
    return {"rotated": stored}


GOOD = {  # name -> displayed (width, height)
    "rotated.jpg": (24, 40),
    "cmyk.jpg": (40, 30),
    "deep.png": (36, 28),
    "gray.png": (34, 26),
    "palette.png": (40, 30),
    "rgba.png": (40, 30),
    "dot.png": (1, 1),
    "thin.png": (3000, 8),
    "anim.gif": (48, 32),
    "progressive.jpg": (44, 40),
    "png_inside.jpg": (30, 20),
}
BROKEN = {  # name -> what its line says
    "zero.jpg": "empty file",
    "truncated.jpg": "truncated",
    "truncated.png": "truncated",
    "random.png": "not a readable image",
    "text.jpg": "not a readable image",
    "bomb.png": "decompression bomb",
}


@pytest.mark.slow
def test_a_folder_of_awkward_and_broken_inputs(tmp_path, rng, fabricated_weights, run_stylize):
    src, out = tmp_path / "inputs", tmp_path / "out"
    pixels = build_folder(src, rng)
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    code, stdout, stderr = run_stylize(str(src), "-o", str(out), "--weights", str(fabricated_weights))

    assert code == 1
    assert sorted(stdout) == sorted(str(out / name) for name in GOOD)
    assert stderr[-1] == f"stylized {len(GOOD)} of {len(GOOD) + len(BROKEN)} input(s), {len(BROKEN)} failed"
    errors = stderr[:-1]
    assert len(errors) == len(BROKEN) and not any("Traceback" in line for line in stderr)
    for name, phrase in BROKEN.items():
        lines = [line for line in errors if f"{name}:" in line]
        assert len(lines) == 1 and phrase in lines[0], (name, errors)
    assert sorted(p.name for p in out.iterdir()) == sorted(GOOD)  # nothing for a broken one, no temp file
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before  # inputs untouched

    for name, size in GOOD.items():
        with Image.open(out / name) as result:
            assert result.size == size, name
            assert result.format == {".jpg": "JPEG", ".png": "PNG", ".gif": "GIF"}[Path(name).suffix], name

    # upright: the output is the stylization of the picture as shown, not as stored
    stylizer = Stylizer.from_weights(fabricated_weights, device="cpu", precision="fp32")
    result = np.asarray(Image.open(out / "rotated.jpg").convert("RGB"))
    shown, mirrored = np.rot90(pixels["rotated"], k=-1), np.rot90(pixels["rotated"], k=1)
    assert psnr(result, stylizer(shown.copy())) > psnr(result, stylizer(mirrored.copy())) + 6

    # transparency kept: the palette's transparent index and the RGBA alpha channel
    palette_alpha = np.asarray(Image.open(out / "palette.png").convert("RGBA"))[..., 3]
    source_alpha = np.asarray(Image.open(src / "palette.png").convert("RGBA"))[..., 3]
    assert (source_alpha == 0).any() and np.array_equal(palette_alpha, source_alpha)
    assert np.array_equal(
        np.asarray(Image.open(out / "rgba.png"))[..., 3], np.asarray(Image.open(src / "rgba.png"))[..., 3]
    )
    # an animated GIF: every frame, with its timing
    with Image.open(out / "anim.gif") as gif:
        timing = [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]
        assert gif.n_frames == 3 and timing == [80, 120, 160]
