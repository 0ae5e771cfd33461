"""docs/quickstart.ipynb executed offline with nbclient, small, through the same code paths as on Colab.

The released weights it names (``paprika``: a TF1 checkpoint; ``face_paint_512_v2``: the port's ``.pt``) are
fabricated (random generators) and served from 127.0.0.1 under their upstream file names; the notebook reaches
them through ``ANIMEGAN_WEIGHTS_URL`` into an empty ``ANIMEGAN_CACHE``, i.e. the real download, conversion and
verification. ``QUICKSTART_FABRICATED_WEIGHTS=1`` makes the notebook label those images as fabricated.
"""

from __future__ import annotations

from pathlib import Path

import av
import nbformat
import numpy as np
import pytest
import torch
from helpers.fabricated import fabricated_port_weights, fabricated_tf_release
from helpers.local_server import serve_folder
from nbclient import NotebookClient

from animegan.imageio import read_image
from animegan.nets import Generator
from animegan.weights.registry import RELEASED

pytestmark = pytest.mark.slow
NOTEBOOK = Path(__file__).resolve().parents[3] / "docs" / "quickstart.ipynb"
SMALL = {  # the notebook's parameters for a cheap run (QUICKSTART_<name>)
    "PHOTO_SIDE": "256",  # the astronaut's face is still ~90 px
    "VIDEO_FRAMES": "6",
    "VIDEO_WIDTH": "64",
    "DEMO_PHOTOS": "6",
    "DEMO_STYLE_IMAGES": "6",
    "DEMO_SIZE": "48",
    "TRAIN_OVERRIDES": " ".join(
        [
            "data.image_size=32",
            "data.val_size=32",
            "data.batch_size=2",
            "data.val_count=2",
            "model.stages.pretrain_epochs=1",
            "model.stages.adversarial_epochs=1",
            "model.val.style_sample=4",
            "trainer.check_val_every_n_epoch=1",
        ]
    ),  # fmt: skip
}


def serve_fabricated_releases(folder: Path) -> None:
    """paprika (TF1 checkpoint, two files) and face_paint_512_v2 (the port's .pt), random, flat under their names."""
    paprika_index = RELEASED["paprika"].files[0].name
    fabricated_tf_release(folder, paprika_index[: -len(".index")], seed=3)
    fabricated_port_weights(folder / RELEASED["face_paint_512_v2"].files[0].name, seed=4)


def outputs_text(notebook: nbformat.NotebookNode) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
    return "".join(texts)


def test_quickstart_runs_offline_with_fabricated_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served, work = tmp_path / "served", tmp_path / "work"
    serve_fabricated_releases(served)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert not any(cell.outputs or cell.execution_count for cell in code)  # committed without outputs
    # papermill's convention: the first code cell holds the parameters
    assert "parameters" in code[0].metadata.get("tags", [])
    for name, value in {**SMALL, "WORK_DIR": str(work), "FABRICATED_WEIGHTS": "1"}.items():
        monkeypatch.setenv(f"QUICKSTART_{name}", value)
    monkeypatch.setenv("ANIMEGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("WANDB_MODE", "disabled")
    with serve_folder(served) as base:
        monkeypatch.setenv("ANIMEGAN_WEIGHTS_URL", base)
        client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
        client.execute()  # raises CellExecutionError on the first failing cell

    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    text = outputs_text(notebook)
    assert "TEST RUN WITH FABRICATED WEIGHTS" in text and "paprika [FABRICATED WEIGHTS: test run]" in text
    assert "licence: non-commercial" in text  # the download announced the released weights' licence
    images = [o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 5  # photo, video frames, faces, crop, sample grid, trained generator shown inline

    # the released style went through the real download + TF conversion into the empty cache
    assert (tmp_path / "cache" / "weights" / "paprika.safetensors").is_file()
    assert (tmp_path / "cache" / "weights" / "face_paint_512_v2.pt").is_file()
    photo = read_image(work / "photo.png").rgb
    styled = read_image(work / "photo_paprika.png").rgb
    assert photo.shape == styled.shape == (256, 256, 3)
    assert np.abs(photo.astype(int) - styled.astype(int)).mean() > 5  # stylized, not the photo copied

    clip = str(work / "clip_paprika.mp4")  # the stylized video, with the clip's sound
    with av.open(clip) as container:
        assert [(s.type, s.width, s.height) for s in container.streams.video] == [("video", 64, 48)]
        assert sum(1 for _ in container.decode(video=0)) == 6
    with av.open(clip) as container:
        audio = container.streams.audio[0]
        seconds = sum(float(p.duration * p.time_base) for p in container.demux(audio) if p.duration)
    assert seconds == pytest.approx(6 / 12, abs=0.05)  # the 0.5 s tone of 6 frames at 12 fps

    faces = read_image(work / "photo_paprika_faces.png").rgb
    assert faces.shape == photo.shape and not np.array_equal(faces, styled)  # a face was restyled and pasted
    assert [p.name for p in (work / "faces").glob("*.png")] == ["photo_face0.png"]

    run_dirs = list((work / "runs").iterdir())
    assert len(run_dirs) == 1
    state = torch.load(run_dirs[0] / "generator.pt", map_location="cpu", weights_only=True)
    Generator().load_state_dict(state, strict=True)  # the trained generator
    assert read_image(work / "photo_demo.png").rgb.shape == photo.shape
