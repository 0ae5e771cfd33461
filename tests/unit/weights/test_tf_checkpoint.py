"""TF1 checkpoint reader against checkpoints written by an independent writer (tests/helpers/tf_bundle.py):
values, dtypes, many index blocks, prefix resolution, and one clear line for every kind of damage."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from helpers.tf_bundle import masked, write_checkpoint

from animegan.errors import WeightsError
from animegan.weights.tf_checkpoint import TFCheckpoint, checkpoint_prefix, masked_crc32c


@pytest.fixture
def tensors() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    found = {
        f"generator/G_MODEL/C/r{i}/Conv/weights": rng.normal(size=(1, 1, 8, i + 2)).astype(np.float32)
        for i in range(30)
    }
    found["generator/G_MODEL/A/LayerNorm/gamma"] = rng.normal(size=(32,)).astype(np.float32)
    found["beta1_power"] = np.array(0.25, np.float32)
    found["global_step"] = np.array(98765, np.int64)
    found["counts"] = np.arange(6, dtype=np.int32).reshape(2, 3)
    found["doubles"] = rng.normal(size=(4,))
    return found


@pytest.fixture
def checkpoint(tmp_path: Path, tensors) -> Path:
    return write_checkpoint(tmp_path / "ckpt" / "Hayao-64.ckpt", tensors, block_size=200)


def one_line(info: pytest.ExceptionInfo) -> str:
    message = str(info.value)
    assert message and "\n" not in message
    return message


def test_masked_crc32c_is_tfs() -> None:
    assert masked_crc32c(b"123456789") == masked(b"123456789")
    crc = 0xE3069283  # the CRC-32C check value of "123456789"
    assert masked_crc32c(b"123456789") == (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_reads_every_tensor_across_many_index_blocks(checkpoint: Path, tensors) -> None:
    index_block = _index_block(Path(f"{checkpoint}.index").read_bytes())
    assert struct.unpack("<I", index_block[-4:])[0] >= 5  # restart interval 1: one restart per data block
    reader = TFCheckpoint(checkpoint)
    assert set(reader.entries) == set(tensors)
    for name, value in tensors.items():
        got = reader.read(name)
        assert got.dtype == value.dtype and got.shape == value.shape
        np.testing.assert_array_equal(got, value)
    assert reader.entries["global_step"].shape == ()


def test_prefix_from_folder_index_and_data_names(checkpoint: Path, tmp_path: Path) -> None:
    folder = checkpoint.parent
    assert checkpoint_prefix(folder) == checkpoint  # the only .index in the folder
    (folder / "checkpoint").write_text('model_checkpoint_path: "/train/machine/Hayao-64.ckpt"\n')
    assert checkpoint_prefix(folder) == checkpoint  # absolute path of another machine: its name is used
    assert checkpoint_prefix(f"{checkpoint}.index") == checkpoint
    assert checkpoint_prefix(f"{checkpoint}.data-00000-of-00001") == checkpoint
    assert checkpoint_prefix(checkpoint) == checkpoint
    assert checkpoint_prefix(tmp_path / "nothing.ckpt") is None
    write_checkpoint(folder / "Hayao-99.ckpt", {"x": np.zeros(1, np.float32)})
    (folder / "checkpoint").unlink()
    with pytest.raises(WeightsError, match="several checkpoints"):
        checkpoint_prefix(folder)


def test_truncated_index_is_one_line(checkpoint: Path) -> None:
    index = Path(f"{checkpoint}.index")
    index.write_bytes(index.read_bytes()[:-7])
    with pytest.raises(WeightsError) as info:
        TFCheckpoint(checkpoint)
    assert "not a TensorFlow checkpoint index" in one_line(info)


def test_corrupt_index_block_fails_its_crc(checkpoint: Path) -> None:
    index = Path(f"{checkpoint}.index")
    data = bytearray(index.read_bytes())
    data[20] ^= 0x40  # inside the first data block
    index.write_bytes(bytes(data))
    with pytest.raises(WeightsError) as info:
        TFCheckpoint(checkpoint)
    assert "fails its crc32c check" in one_line(info)


def test_compressed_block_is_refused(tmp_path: Path) -> None:
    prefix = write_checkpoint(tmp_path / "c.ckpt", {"x": np.ones(3, np.float32)}, block_size=10_000)
    index = Path(f"{prefix}.index")
    data = bytearray(index.read_bytes())
    first_size = _first_block_size(bytes(data))
    data[first_size] = 1  # claim snappy, and keep the crc valid so that only the type is wrong
    data[first_size + 1 : first_size + 5] = struct.pack("<I", masked(bytes(data[: first_size + 1])))
    index.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="compressed index blocks"):
        TFCheckpoint(prefix).read("x")


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        value |= (buf[pos] & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not buf[pos - 1] & 0x80:
            return value, pos


def _index_block(index: bytes) -> bytes:
    """The index block's contents, located through the footer's second handle."""
    _, pos = _varint(index[-48:], 0)
    _, pos = _varint(index[-48:], pos)
    offset, pos = _varint(index[-48:], pos)
    size, _ = _varint(index[-48:], pos)
    return index[offset : offset + size]


def _first_block_size(index: bytes) -> int:
    """Size of the first data block: the handle in the index block's first entry (offset 0, then size)."""
    block = _index_block(index)
    _, p = _varint(block, 0)  # shared
    unshared, p = _varint(block, p)
    _, p = _varint(block, p)  # value length
    _, p = _varint(block, p + unshared)  # the handle's offset
    return _varint(block, p)[0]


def test_truncated_data_file_is_one_line(checkpoint: Path) -> None:
    shard = Path(f"{checkpoint}.data-00000-of-00001")
    shard.write_bytes(shard.read_bytes()[:-100])
    reader = TFCheckpoint(checkpoint)
    last = max(reader.entries.values(), key=lambda e: e.offset)
    with pytest.raises(WeightsError) as info:
        reader.read(last.name)
    assert "truncated" in one_line(info) and last.name in str(info.value)


def test_corrupt_tensor_fails_its_crc(checkpoint: Path) -> None:
    shard = Path(f"{checkpoint}.data-00000-of-00001")
    reader = TFCheckpoint(checkpoint)
    entry = reader.entries["generator/G_MODEL/A/LayerNorm/gamma"]
    data = bytearray(shard.read_bytes())
    data[entry.offset + 5] ^= 1
    shard.write_bytes(bytes(data))
    with pytest.raises(WeightsError) as info:
        TFCheckpoint(checkpoint).read(entry.name)
    assert "fails its crc32c check" in one_line(info)


def test_missing_data_file_and_missing_tensor(checkpoint: Path) -> None:
    reader = TFCheckpoint(checkpoint)
    with pytest.raises(WeightsError, match="has no tensor 'nope'"):
        reader.read("nope")
    Path(f"{checkpoint}.data-00000-of-00001").unlink()
    with pytest.raises(WeightsError) as info:
        TFCheckpoint(checkpoint).read("counts")
    assert "data file not found" in one_line(info)
    with pytest.raises(WeightsError, match="index not found"):
        TFCheckpoint(checkpoint.parent / "other.ckpt")
