"""``animegan stylize --faces``: the face model's output is pasted over the face, everything else is exactly the
whole-frame stylization; a photo without a face gets the plain stylization and a note.

Both models are generators with random weights (fabricated for the test; the released ones cannot be downloaded).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from animegan.cli import main
from animegan.faces.align import align_face
from animegan.faces.detect import FaceDetector
from animegan.faces.paste import PasteOptions
from animegan.imageio import read_image
from animegan.inference.stylizer import Stylizer
from animegan.nets import Generator
from animegan.weights.io import save_generator

CPU = ["--device", "cpu", "--precision", "fp32", "--quiet"]


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights")
    torch.manual_seed(1)
    scene = save_generator(Generator(), folder / "random_scene.pt")
    torch.manual_seed(2)
    face = save_generator(Generator(), folder / "random_face.pt")
    return scene, face


@pytest.mark.slow
def test_stylize_with_faces_pastes_the_face_model_over_the_face(
    tmp_path, write_png, astronaut, two_models, capsys
):
    scene, face = two_models
    picture = np.ascontiguousarray(astronaut[:256, 96:352])  # the face (~90 px) and some suit; quicker to run
    photo = write_png("astronaut.png", picture)
    target = tmp_path / "out" / "astronaut.png"
    argv = [
        "stylize",
        str(photo),
        "-o",
        str(target),
        "--weights",
        str(scene),
        "--faces",
        "--face-weights",
        str(face),
    ]
    assert main([*argv, *CPU]) == 0
    out = read_image(target).rgb
    plain = Stylizer.from_weights(scene, device="cpu", precision="fp32")(picture)

    # where the feathered face mask is zero, the result is exactly the plain stylization
    options = PasteOptions()
    landmarks = FaceDetector("hog")(picture)[0].landmarks
    aligned = align_face(picture, landmarks, options.size)
    yy, xx = np.mgrid[:256, :256]
    crop_xy = aligned.to_crop(np.stack([xx.ravel(), yy.ravel()], axis=1))
    u = (crop_xy + 0.5) / options.size
    d = np.hypot(
        (u[:, 0] - options.mask_center[0]) / options.mask_radii[0],
        (u[:, 1] - options.mask_center[1]) / options.mask_radii[1],
    ).reshape(256, 256)
    outside = d >= 1.0 + 1.5 / (options.size * min(options.mask_radii))
    assert np.array_equal(out[outside], plain[outside])
    # in the core of the mask it is the face model's output for the aligned crop, warped back
    face_out = Stylizer.from_weights(face, device="cpu", precision="fp32")(aligned.crop)
    core = d < 0.5
    nearest = np.clip(np.rint(crop_xy[core.ravel()]).astype(int), 0, options.size - 1)
    sampled = face_out[nearest[:, 1], nearest[:, 0]]
    assert np.abs(out[core].astype(float) - sampled.astype(float)).mean() < 8.0
    assert np.abs(out[core].astype(float) - plain[core].astype(float)).mean() > 8.0


@pytest.mark.slow
def test_stylize_with_faces_notes_a_photo_without_a_face(tmp_path, write_png, coffee, two_models, capsys):
    scene, face = two_models
    photo = write_png("coffee.png", coffee[:128, :160])
    target = tmp_path / "coffee_out.png"
    argv = [
        "stylize",
        str(photo),
        "-o",
        str(target),
        "--weights",
        str(scene),
        "--faces",
        "--face-weights",
        str(face),
    ]
    assert main([*argv, *CPU]) == 0
    assert "no face found" in capsys.readouterr().out
    plain = Stylizer.from_weights(scene, device="cpu", precision="fp32")(coffee[:128, :160])
    assert np.array_equal(read_image(target).rgb, plain)


@pytest.mark.slow
def test_stylize_video_with_faces_reports_per_frame_cost(tmp_path, astronaut, two_models, capsys):
    import av

    from animegan.video.probe import probe

    scene, face = two_models
    clip = tmp_path / "astronaut.mp4"
    with av.open(str(clip), mode="w") as output:
        stream = output.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 256, 256, "yuv420p"
        for i in range(4):  # the face drifts 3 px per frame
            frame = np.ascontiguousarray(astronaut[i * 3 : i * 3 + 256, 96:352])
            output.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        output.mux(stream.encode(None))
    target = tmp_path / "out.mp4"
    argv = [
        "stylize",
        str(clip),
        "-o",
        str(target),
        "--weights",
        str(scene),
        "--faces",
        "--face-weights",
        str(face),
    ]
    assert main([*argv, *CPU]) == 0
    assert probe(target).frames == 4
    report = capsys.readouterr().out
    assert "faces: 4 frame(s)" in report and "s/frame" in report and "face_model" in report
