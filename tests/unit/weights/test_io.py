"""Weights files: every accepted kind loads; every bad kind gives one clear line and runs nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from animegan import GeneratorV1, GeneratorV2
from animegan.errors import WeightsError
from animegan.weights.io import load_generator, load_generator_state, save_generator


def assert_one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


@pytest.fixture(scope="module")
def generator() -> GeneratorV2:
    torch.manual_seed(0)
    return GeneratorV2().eval()


def same_output(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        return torch.equal(a(x), b(x))


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_save_and_load_roundtrip(tmp_path: Path, generator: GeneratorV2, suffix: str) -> None:
    path = save_generator(generator, tmp_path / f"generator{suffix}")
    assert not [p for p in tmp_path.iterdir() if p.name != path.name]  # no temp files left
    loaded = load_generator(path)
    assert isinstance(loaded, GeneratorV2)
    assert same_output(generator, loaded)
    if suffix == ".pt":
        plain = torch.load(path, weights_only=True)
        assert set(plain) == set(generator.state_dict())


def test_v1_is_detected(tmp_path: Path) -> None:
    path = save_generator(GeneratorV1(), tmp_path / "v1.pt")
    state, arch = load_generator_state(path)
    assert arch == "v1"
    assert isinstance(load_generator(path), GeneratorV1)


def test_lightning_checkpoint_of_our_module(tmp_path: Path, generator: GeneratorV2) -> None:
    ckpt = {
        "epoch": 3,
        "global_step": 120,
        "state_dict": {f"generator.{k}": v for k, v in generator.state_dict().items()}
        | {"discriminator.layers.0.weight": torch.zeros(1)},
        "optimizer_states": [],
        "hyper_parameters": {"lr": 1e-4},
    }
    path = tmp_path / "last.ckpt"
    torch.save(ckpt, path)
    assert same_output(generator, load_generator(path))


def test_port_file_with_port_keys_loads(tmp_path: Path, generator: GeneratorV2) -> None:
    path = tmp_path / "face_paint_512_v2.pt"
    torch.save(dict(generator.state_dict()), path)  # an OrderedDict of tensors, as the port saves
    state, arch = load_generator_state(path)
    assert arch == "v2" and len(state) == 77


def test_missing_empty_truncated(tmp_path: Path, generator: GeneratorV2) -> None:
    with pytest.raises(WeightsError, match="not found") as e:
        load_generator_state(tmp_path / "nope.pt")
    assert_one_line(e)
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(WeightsError, match="empty") as e:
        load_generator_state(empty)
    assert_one_line(e)
    full = save_generator(generator, tmp_path / "full.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(WeightsError, match="truncated") as e:
        load_generator_state(truncated)
    assert_one_line(e)
    text = tmp_path / "notes.pt"
    text.write_text("hello, not weights")
    with pytest.raises(WeightsError) as e:
        load_generator_state(text)
    assert_one_line(e)


def test_not_a_state_dict(tmp_path: Path) -> None:
    path = tmp_path / "list.pt"
    torch.save([torch.zeros(2)], path)
    with pytest.raises(WeightsError, match="expected a state dict") as e:
        load_generator_state(path)
    assert_one_line(e)


def test_other_architecture_names_keys_and_expected_arch(tmp_path: Path) -> None:
    path = tmp_path / "other.pt"
    state = GeneratorV2().state_dict()
    state["block_a.0.1.weight"] = torch.zeros(16, 3, 7, 7)
    del state["out_layer.0.weight"]
    torch.save(state, path)
    with pytest.raises(WeightsError) as e:
        load_generator_state(path)
    message = assert_one_line(e)
    assert "v2" in message and "out_layer.0.weight" in message and "block_a.0.1.weight" in message
    v1 = save_generator(GeneratorV1(), tmp_path / "v1.pt")
    with pytest.raises(WeightsError, match="not an AnimeGAN v2 generator"):
        load_generator_state(v1, expected_arch="v2")


def test_pickle_that_runs_code_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pt"
    torch.save({"block_a.0.1.weight": Evil()}, path)
    with pytest.raises(WeightsError, match="refused") as e:
        load_generator_state(path)
    assert_one_line(e)
    assert not marker.exists()


def test_save_refuses_non_generator(tmp_path: Path) -> None:
    with pytest.raises(WeightsError):
        save_generator({"x": torch.zeros(1)}, tmp_path / "x.pt")
    assert not list(tmp_path.iterdir())


def test_foreign_state_dict_matches_neither_arch(tmp_path: Path) -> None:
    path = tmp_path / "resnet.pt"
    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7), "fc.bias": torch.zeros(10)}, path)
    with pytest.raises(WeightsError, match="neither v1 nor v2") as e:
        load_generator_state(path)
    assert "conv1.weight" in assert_one_line(e)


def test_safetensors_records_the_config_and_rebuilds_with_it(tmp_path: Path) -> None:
    from safetensors import safe_open

    torch.manual_seed(4)
    tf_mode = GeneratorV2(upsample="tf1", norm_eps=1e-12).eval()
    path = save_generator(tf_mode, tmp_path / "tf.safetensors", metadata={"animegan.source": "test"})
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    assert (
        meta["animegan.upsample"] == "tf1"
        and meta["animegan.arch"] == "v2"
        and meta["animegan.source"] == "test"
    )
    loaded = load_generator(path)
    assert loaded.config() == tf_mode.config() and same_output(tf_mode, loaded)
    plain = save_generator(GeneratorV2(), tmp_path / "port.safetensors")
    assert load_generator(plain).config() == {"arch": "v2", "upsample": "align_corners", "norm_eps": 1e-5}


def test_a_non_default_config_is_not_saved_where_it_would_be_lost(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="only be recorded in a .safetensors file") as info:
        save_generator(GeneratorV2(upsample="tf1"), tmp_path / "tf.pt")
    assert_one_line(info)
    assert not (tmp_path / "tf.pt").exists()
    save_generator(GeneratorV1(), tmp_path / "v1.pt")  # v1's default is the TF graph: nothing to record


def test_metadata_that_contradicts_the_file_is_refused(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    state = {k: v.contiguous() for k, v in GeneratorV2().state_dict().items()}
    save_file(state, str(tmp_path / "a.safetensors"), metadata={"animegan.arch": "v1"})
    with pytest.raises(WeightsError, match="not an AnimeGAN v1 generator"):
        load_generator(tmp_path / "a.safetensors")
    save_file(state, str(tmp_path / "b.safetensors"), metadata={"animegan.upsample": "bicubic"})
    with pytest.raises(WeightsError, match="unusable v2 config") as info:
        load_generator(tmp_path / "b.safetensors")
    assert_one_line(info)
    save_file(state, str(tmp_path / "c.safetensors"), metadata={"animegan.arch": "v2"})
    with pytest.raises(WeightsError, match="holds an AnimeGAN v2 generator, expected v1"):
        load_generator(tmp_path / "c.safetensors", expected_arch="v1")


def test_a_folder_without_a_checkpoint_is_one_line(tmp_path: Path) -> None:
    from animegan.weights.io import load_weights

    with pytest.raises(WeightsError, match="folder holds no TF checkpoint") as info:
        load_weights(tmp_path)
    assert_one_line(info)


def test_v3_generator_pt_is_the_deployed_generator_and_is_detected(tmp_path: Path) -> None:
    from animegan.nets import GeneratorV3

    torch.manual_seed(4)
    training = GeneratorV3()
    path = save_generator(training, tmp_path / "generator.pt")
    plain = torch.load(path, weights_only=True)
    assert plain and not any(k.startswith("support.") for k in plain)  # the support tail is dropped
    assert sum(v.numel() for k, v in plain.items() if not k.endswith("num_batches_tracked")) == 1_027_776
    state, arch = load_generator_state(path)
    assert arch == "v3"
    loaded = load_generator(path)
    assert isinstance(loaded, GeneratorV3) and loaded.support is None and not loaded.training
    assert same_output(training.eval(), loaded)
    # a Lightning checkpoint holds the training generator (both tails): detected as v3, loaded deployed
    ckpt = tmp_path / "last.ckpt"
    torch.save({"state_dict": {f"generator.{k}": v for k, v in training.state_dict().items()}}, ckpt)
    state, arch = load_generator_state(ckpt)
    assert arch == "v3" and any(k.startswith("support.") for k in state)
    assert same_output(training, load_generator(ckpt))
    broken = dict(plain)
    broken["main.out.conv.weight"] = torch.zeros(3, 32, 5, 5)
    torch.save(broken, tmp_path / "broken.pt")
    with pytest.raises(
        WeightsError, match=r"not an AnimeGAN v3 generator \(main.out.conv.weight has shape"
    ) as e:
        load_generator_state(tmp_path / "broken.pt")
    assert_one_line(e)
