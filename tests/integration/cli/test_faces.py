"""``animegan faces``: aligned stylized crops per face, notes for photos without faces, bad inputs reported.

The face model here is a generator with random weights (the released face_paint_512_v2 cannot be downloaded in
tests): the check is that the right crop goes through the model and lands in the right file.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from animegan.cli import main
from animegan.faces.align import align_face
from animegan.faces.detect import FaceDetector
from animegan.imageio import read_image
from animegan.inference.stylizer import Stylizer
from animegan.nets import Generator
from animegan.weights.io import save_generator

SIZE = 128
FAST = ["--size", str(SIZE), "--device", "cpu", "--precision", "fp32", "--quiet"]


@pytest.fixture(scope="module")
def face_weights(tmp_path_factory):
    torch.manual_seed(7)
    return save_generator(Generator(), tmp_path_factory.mktemp("weights") / "random_face_model.pt")


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_faces_writes_one_stylized_crop_per_face(
    tmp_path, write_png, astronaut, coffee, face_weights, capsys
):
    photo, no_face = write_png("in/astronaut.png", astronaut), write_png("in/coffee.png", coffee)
    broken = tmp_path / "in" / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    before = {p: digest(p) for p in (photo, no_face, broken)}
    out = tmp_path / "out"
    argv = ["faces", str(photo), str(no_face), str(broken), "-o", str(out)]
    code = main([*argv, "--weights", str(face_weights), *FAST])
    err = capsys.readouterr().err
    assert code == 1  # one input failed, the others were processed
    assert sorted(p.name for p in out.iterdir()) == ["astronaut_face0.png"]
    assert "coffee.png: no face found" in err
    error_lines = [line for line in err.splitlines() if "error" in line]
    assert len(error_lines) == 1 and "broken.png" in error_lines[0]
    assert {p: digest(p) for p in before} == before  # inputs untouched

    # the file holds the face model's output for the aligned crop of the detected face
    face = FaceDetector("hog")(astronaut)[0]
    crop = align_face(astronaut, face.landmarks, SIZE).crop
    expected = Stylizer.from_weights(face_weights, device="cpu", precision="fp32")(crop)
    written = read_image(out / "astronaut_face0.png").rgb
    assert written.shape == (SIZE, SIZE, 3)
    assert np.array_equal(written, expected)


def test_side_by_side_puts_the_aligned_input_left(tmp_path, write_png, astronaut, face_weights):
    folder = write_png("in/astronaut.png", astronaut).parent
    out = tmp_path / "out"
    argv = ["faces", str(folder), "-o", str(out), "--weights", str(face_weights)]
    assert main([*argv, *FAST, "--side-by-side"]) == 0
    pair = read_image(out / "astronaut_face0.png").rgb
    assert pair.shape == (SIZE, 2 * SIZE, 3)
    face = FaceDetector("hog")(astronaut)[0]
    assert np.array_equal(pair[:, :SIZE], align_face(astronaut, face.landmarks, SIZE).crop)


def test_missing_face_weights_is_one_line(tmp_path, write_png, astronaut, capsys):
    photo = write_png("astronaut.png", astronaut)
    code = main(["faces", str(photo), "-o", str(tmp_path / "out"), "--weights", str(tmp_path / "nope.pt")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and "nope.pt" in err
    assert not (tmp_path / "out").exists()
