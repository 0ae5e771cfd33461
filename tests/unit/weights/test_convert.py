"""TF1 AnimeGAN checkpoints -> our generators: the converted generator reproduces an independent TF reference
forward (tests/helpers/tf_graph.py) on a real photo, and every kind of bad checkpoint is one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.tf_bundle import write_checkpoint
from helpers.tf_graph import FORWARDS, TFGraph, random_tf_generator, training_checkpoint_extras

from animegan.errors import WeightsError
from animegan.nets import GeneratorV1, GeneratorV2
from animegan.weights.convert import MAPPINGS, convert_checkpoint
from animegan.weights.io import build_loaded, load_weights

SIZES = {"v2": (128, 128), "v1": (64, 96)}  # v1 costs more per pixel


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two generator outputs in [-1, 1], on the 0..255 scale."""
    mse = float(np.mean(((a.astype(np.float64) - b) * 127.5) ** 2))
    return 10 * np.log10(255.0**2 / mse)


@pytest.fixture(scope="module")
def photo_nhwc(astronaut) -> dict[str, torch.Tensor]:
    from skimage.transform import resize

    out = {}
    for arch, size in SIZES.items():
        image = resize(astronaut, size, anti_aliasing=True).astype(np.float32) * 2 - 1
        out[arch] = torch.from_numpy(image)[None]
    return out


@pytest.fixture(scope="module")
def tf_weights() -> dict[str, dict[str, np.ndarray]]:
    return {arch: random_tf_generator(arch, seed=7) for arch in ("v1", "v2")}


def training_checkpoint(
    tmp_path: Path, variables: dict[str, np.ndarray], name: str = "Hayao-64.ckpt"
) -> Path:
    """A checkpoint as TF training writes it: generator, Adam slots, discriminator, counters (random weights)."""
    return write_checkpoint(tmp_path / name, {**variables, **training_checkpoint_extras(variables)})


def nchw_output(generator: torch.nn.Module, x_nhwc: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return generator(x_nhwc.permute(0, 3, 1, 2))[0].permute(1, 2, 0).numpy()


@pytest.mark.parametrize("arch", ["v1", "v2"])
def test_mapping_names_exactly_the_tf_graphs_variables(arch: str, tf_weights) -> None:
    names = {name for name, _ in MAPPINGS[arch]().values()}
    assert names == set(tf_weights[arch])
    assert sum(v.size for v in tf_weights[arch].values()) == (3_956_096 if arch == "v1" else 2_143_552)


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["v2", "v1"])
def test_converted_generator_reproduces_the_tf_graph_on_a_photo(
    arch, tf_weights, photo_nhwc, tmp_path
) -> None:
    prefix = training_checkpoint(tmp_path, tf_weights[arch])
    x = photo_nhwc[arch]
    with torch.no_grad():
        reference = FORWARDS[arch](TFGraph(variables=tf_weights[arch]), x)[0].numpy()
    converted = load_weights(prefix.parent)  # a checkpoint folder straight through the loader
    assert isinstance(converted, GeneratorV1 if arch == "v1" else GeneratorV2)
    assert converted.upsample == "tf1"
    faithful = psnr(nchw_output(converted, x), reference)
    state, _ = convert_checkpoint(prefix)
    port_mode = build_loaded(
        state, arch, {"upsample": "align_corners"} if arch == "v1" else {}
    )  # .pt defaults
    approximate = psnr(nchw_output(port_mode, x), reference)
    print(f"{arch}: converted (TF1 legacy resize) {faithful:.1f} dB, port mode {approximate:.1f} dB")
    assert faithful >= 45.0
    assert approximate < 40.0  # the port's forward does not reproduce TF's: the mode matters


def test_v2_layer_norm_epsilon_is_tfs(tf_weights) -> None:
    state, config = convert_checkpoint_from(tf_weights["v2"])
    assert config == {"arch": "v2", "upsample": "tf1", "norm_eps": 1e-12}
    generator = build_loaded(state, "v2", {k: v for k, v in config.items() if k != "arch"})
    assert {m.eps for m in generator.modules() if isinstance(m, torch.nn.GroupNorm)} == {1e-12}


def convert_checkpoint_from(variables: dict[str, np.ndarray]):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return convert_checkpoint(write_checkpoint(Path(folder) / "m.ckpt", variables))


def test_weights_land_where_the_port_keeps_them(tf_weights) -> None:
    state, _ = convert_checkpoint_from(tf_weights["v2"])
    kernel = tf_weights["v2"]["generator/G_MODEL/C/r2/r2/w"]  # depthwise [3, 3, 512, 1]
    assert torch.equal(state["block_c.2.layers.1.1.weight"], torch.from_numpy(kernel).permute(2, 3, 0, 1))
    conv = tf_weights["v2"]["generator/G_MODEL/E/Conv_2/weights"]  # [7, 7, 64, 32]
    assert torch.equal(state["block_e.2.1.weight"], torch.from_numpy(conv).permute(3, 2, 0, 1))
    gamma = tf_weights["v2"]["generator/G_MODEL/C/LayerNorm_1/gamma"]
    assert torch.equal(state["block_c.5.2.weight"], torch.from_numpy(gamma))


def test_missing_tensor_is_one_line(tf_weights, tmp_path) -> None:
    variables = dict(tf_weights["v2"])
    del variables["generator/G_MODEL/C/r3/Conv_1/weights"]
    with pytest.raises(WeightsError) as info:
        convert_checkpoint(write_checkpoint(tmp_path / "m.ckpt", variables))
    assert "missing tensor generator/G_MODEL/C/r3/Conv_1/weights" in str(info.value)
    assert "\n" not in str(info.value)


def test_wrong_shape_is_one_line(tf_weights, tmp_path) -> None:
    variables = dict(tf_weights["v1"])
    variables["generator/G_MODEL/b1/Conv/weights"] = np.zeros((7, 7, 3, 64), np.float32)  # the old mistake
    with pytest.raises(WeightsError) as info:
        convert_checkpoint(write_checkpoint(tmp_path / "m.ckpt", variables))
    assert "generator/G_MODEL/b1/Conv/weights has shape (7, 7, 3, 64), expected (3, 3, 3, 64)" in str(
        info.value
    )


def test_not_an_animegan_checkpoint(tmp_path) -> None:
    prefix = write_checkpoint(
        tmp_path / "m.ckpt", {"resnet/conv1/kernel": np.zeros((3, 3, 3, 8), np.float32)}
    )
    with pytest.raises(WeightsError, match="no AnimeGAN generator variables"):
        convert_checkpoint(prefix)


def test_unexpected_generator_variable(tf_weights, tmp_path) -> None:
    variables = {**tf_weights["v2"], "generator/G_MODEL/F/Conv/weights": np.zeros((3, 3, 3, 3), np.float32)}
    with pytest.raises(WeightsError, match="unexpected generator variable generator/G_MODEL/F/Conv/weights"):
        convert_checkpoint(write_checkpoint(tmp_path / "m.ckpt", variables))


def test_convert_file_keeps_a_port_file_in_the_ports_mode(tmp_path) -> None:
    from animegan.weights.io import convert_file, load_generator

    torch.manual_seed(2)
    port = GeneratorV2().eval()
    torch.save(port.state_dict(), tmp_path / "paprika.pt")
    out, config = convert_file(tmp_path / "paprika.pt", tmp_path / "paprika.safetensors")
    assert config == {"arch": "v2", "upsample": "align_corners", "norm_eps": 1e-5}
    converted = load_generator(out)
    x = torch.rand(1, 3, 36, 44) * 2 - 1
    with torch.no_grad():
        assert torch.equal(converted(x), port(x))
