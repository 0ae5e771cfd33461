"""Prepare judges truncated/corrupt JPEG and PNG files as stylize does: one line, skipped, no libjpeg chatter."""

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SCRIPT = """
import sys
from pathlib import Path
from animegan.data.prepare.reference_io import ReferenceReader
from animegan.errors import InputError
for name in sys.argv[1:]:
    try:
        ReferenceReader().read(Path(name))
        print("OK", name)
    except InputError as exc:
        print("BAD", exc)
"""


def test_truncated_jpeg_and_corrupt_png_are_one_line_and_quiet(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
    good = tmp_path / "good.jpg"
    Image.fromarray(pixels).save(good, quality=95)
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    png = tmp_path / "good.png"
    Image.fromarray(pixels).save(png)
    corrupt = tmp_path / "bad.png"
    data = bytearray(png.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 16] = b"\x00" * 16
    corrupt.write_bytes(bytes(data))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(good), str(truncated), str(png), str(corrupt)],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[0] == f"OK {good}" and lines[2] == f"OK {png}"
    assert lines[1].startswith(f"BAD {truncated}: corrupt or truncated image")
    assert lines[3].startswith(f"BAD {corrupt}:")
    assert "Premature end" not in done.stderr and "libpng" not in done.stderr, done.stderr
