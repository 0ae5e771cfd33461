"""Every kind of weights through the CLI: a TF checkpoint folder, a .ckpt prefix and its conversion give the TF
graph's output; ONNX generators stylize images, folders and videos; conversion failures write nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.onnx_models import write_onnx
from helpers.tf_bundle import write_checkpoint
from helpers.tf_graph import FORWARDS, TFGraph, random_tf_generator, training_checkpoint_extras

from animegan.cli import main
from animegan.imageio import read_image

CPU = ["--device", "cpu", "--precision", "fp32", "--quiet"]


@pytest.fixture(scope="module")
def tf_release(tmp_path_factory) -> tuple[Path, dict[str, np.ndarray]]:
    """A v2 training checkpoint with random weights (fabricated), in a folder with its 'checkpoint' file."""
    variables = random_tf_generator("v2", seed=11)
    folder = tmp_path_factory.mktemp("generator_Hayao_weight")
    prefix = write_checkpoint(
        folder / "Hayao-64.ckpt", {**variables, **training_checkpoint_extras(variables)}
    )
    (folder / "checkpoint").write_text('model_checkpoint_path: "Hayao-64.ckpt"\n')
    return prefix, variables


def tf_reference(variables: dict[str, np.ndarray], rgb: np.ndarray) -> np.ndarray:
    x = torch.from_numpy(rgb.astype(np.float32) / 127.5 - 1)[None]
    with torch.no_grad():
        y = FORWARDS["v2"](TFGraph(variables=variables), x)[0].numpy()
    return np.clip(np.round((y + 1) * 127.5), 0, 255).astype(np.uint8)


@pytest.mark.slow
def test_tf_folder_prefix_and_conversion_give_the_tf_graphs_output(
    tmp_path, tf_release, write_png, astronaut, capsys
):
    prefix, variables = tf_release
    rgb = np.ascontiguousarray(astronaut[100:196, 150:278])  # 96 x 128: a real photo
    src = write_png("photo.png", rgb)
    converted = tmp_path / "hayao.safetensors"
    assert main(["weights", "convert", str(prefix.parent), "-o", str(converted)]) == 0
    assert "upsample=tf1" in capsys.readouterr().out
    outputs = []
    for weights in (prefix.parent, prefix, converted):
        target = tmp_path / f"out_{len(outputs)}.png"
        assert main(["stylize", str(src), "-o", str(target), "--weights", str(weights), *CPU]) == 0
        outputs.append(read_image(target).rgb)
    assert np.array_equal(outputs[0], outputs[1]) and np.array_equal(outputs[0], outputs[2])
    assert np.abs(outputs[0].astype(int) - tf_reference(variables, rgb).astype(int)).max() <= 1


def test_convert_failures_are_one_line_and_write_nothing(tmp_path, tf_release, capsys):
    prefix, _ = tf_release
    broken = tmp_path / "broken"
    broken.mkdir()
    for suffix in (".index", ".data-00000-of-00001"):
        data = Path(f"{prefix}{suffix}").read_bytes()
        (broken / f"Hayao-64.ckpt{suffix}").write_bytes(
            data if suffix == ".index" else data[: len(data) // 20]
        )
    out = tmp_path / "out.safetensors"
    cases = [(broken, out, "truncated"), (prefix, tmp_path / "out.pt", "expected a .safetensors output"),
             (tmp_path / "nothing", out, "not found")]  # fmt: skip
    for source, target, message in cases:
        assert main(["weights", "convert", str(source), "-o", str(target)]) == 1
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1
        assert not target.exists()
    assert list(tmp_path.glob("*.partial*")) == []


def test_export_then_convert_back_keeps_the_tf_mode(tmp_path, tf_release, capsys):
    pytest.importorskip("onnxruntime")
    from animegan.weights.io import load_weights

    prefix, _ = tf_release
    onnx_file = tmp_path / "hayao.onnx"
    assert main(["export", "--weights", str(prefix), "-o", str(onnx_file)]) == 0
    back = tmp_path / "back.safetensors"
    assert main(["weights", "convert", str(onnx_file), "-o", str(back)]) == 0
    original, restored = load_weights(prefix), load_weights(back)
    assert restored.config() == original.config() == {"arch": "v2", "upsample": "tf1", "norm_eps": 1e-12}
    assert all(torch.equal(original.state_dict()[k], v) for k, v in restored.state_dict().items())
    v3 = tmp_path / "AnimeGANv3_x.onnx"
    write_onnx(v3)
    assert main(["weights", "convert", str(v3), "-o", str(tmp_path / "v3.safetensors")]) == 1
    assert "use it as it is with --weights" in capsys.readouterr().err


def test_onnx_generator_on_a_folder_and_a_video(tmp_path, write_png, rng, capsys):
    pytest.importorskip("onnxruntime")
    from helpers.synthetic_video import make_test_video

    from animegan.video.probe import probe

    model = tmp_path / "AnimeGANv3_Fabricated.onnx"
    write_onnx(model)
    write_png("in/a.png", rng.integers(0, 256, (37, 61, 3), dtype=np.uint8))
    write_png("in/sub/b.png", rng.integers(0, 256, (260, 300, 3), dtype=np.uint8))
    make_test_video(tmp_path / "in" / "clip.mp4", frames=6, fps=6, size=(70, 42))
    assert (
        main(["stylize", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--weights", str(model), *CPU])
        == 0
    )
    assert read_image(tmp_path / "out" / "a.png").rgb.shape == (37, 61, 3)
    assert read_image(tmp_path / "out" / "sub" / "b.png").rgb.shape == (260, 300, 3)
    info = probe(tmp_path / "out" / "clip.mp4")
    assert (info.width, info.height, info.frames, info.audio_codec) == (70, 42, 6, "aac")
    capsys.readouterr()
    code = main(["stylize", str(tmp_path / "in" / "a.png"), "-o", str(tmp_path / "t.png"), "--weights", str(model),
                 "--tile", "64", *CPU])  # fmt: skip
    err = capsys.readouterr().err.splitlines()
    assert code == 1 and any("--tile is not supported for ONNX generators" in line for line in err)
    assert not (tmp_path / "t.png").exists()
