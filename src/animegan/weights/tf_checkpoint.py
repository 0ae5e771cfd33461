"""Read TensorFlow 1 checkpoints (the ``tf.train.Saver`` V2 bundle) in pure Python: no TensorFlow needed.

A checkpoint ``PREFIX`` is ``PREFIX.index`` plus data shards ``PREFIX.data-00000-of-00001``. The index is a
LevelDB-style table: data blocks of prefix-compressed ``(key, value)`` entries with restart points, each block
followed by a trailer (compression byte + masked crc32c), an index block pointing at the data blocks and a
48-byte footer ending in the table magic. Key ``""`` holds a ``BundleHeaderProto`` (shard count, endianness),
every other key is a variable name whose ``BundleEntryProto`` gives dtype, shape, shard, offset, size and the
masked crc32c of the tensor's raw little-endian bytes in the shard. Every block and tensor is crc-checked.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import google_crc32c
import numpy as np

from animegan.errors import WeightsError

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5
MASK_DELTA = 0xA282EAD8
DTYPES = {  # TensorFlow DataType enum -> little-endian numpy dtype
    1: "<f4", 2: "<f8", 3: "<i4", 4: "u1", 5: "<i2", 6: "i1", 9: "<i8", 10: "?", 17: "<u2", 19: "<f2",
    22: "<u4", 23: "<u8",
}  # fmt: skip


def masked_crc32c(data: bytes | memoryview) -> int:
    """TF's masked crc32c: the checksum rotated right by 15 bits plus a constant (mod 2**32)."""
    crc = google_crc32c.value(bytes(data))
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF


def _varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("truncated or overlong varint")
        byte = buf[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes | memoryview) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of a protobuf message: ints for varint/fixed fields, bytes for length-delimited."""
    pos = 0
    while pos < len(buf):
        tag, pos = _varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 5:
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        elif wire == 2:
            length, pos = _varint(buf, pos)
            if pos + length > len(buf):
                raise ValueError("truncated length-delimited field")
            value, pos = bytes(buf[pos : pos + length]), pos + length
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, value


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


@dataclass(frozen=True)
class TensorEntry:
    """Where one variable lives in the data shards, and what it is."""

    name: str
    dtype_code: int
    shape: tuple[int, ...]
    shard: int
    offset: int
    size: int
    crc32c: int | None
    sliced: bool

    @classmethod
    def parse(cls, name: str, value: bytes) -> TensorEntry:
        fields = dict(dtype=0, shape=(), shard=0, offset=0, size=0, crc=None, sliced=False)
        for number, field in _fields(value):
            if number == 2:
                dims = [v for n, v in _fields(field) if n == 2]
                fields["shape"] = tuple(_signed(dict(_fields(d)).get(1, 0)) for d in dims)
            elif number == 7:
                fields["sliced"] = True
            elif number in (1, 3, 4, 5, 6):
                fields[{1: "dtype", 3: "shard", 4: "offset", 5: "size", 6: "crc"}[number]] = field
        return cls(name, fields["dtype"], fields["shape"], fields["shard"], fields["offset"], fields["size"],
                   fields["crc"], fields["sliced"])  # fmt: skip


class _Table:
    """The entries of a LevelDB-style table file, blocks checked against their crc32c."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = path.read_bytes()
        if len(self.data) < FOOTER_SIZE:
            raise WeightsError(f"{path}: truncated checkpoint index ({len(self.data)} bytes, expected >= 48)")
        footer = self.data[-FOOTER_SIZE:]
        if struct.unpack_from("<Q", footer, 40)[0] != TABLE_MAGIC:
            raise WeightsError(f"{path}: not a TensorFlow checkpoint index (bad table magic); truncated?")
        try:
            _, pos = self._handle(footer, 0)  # the metaindex block: unused by checkpoints
            self.index_handle, _ = self._handle(footer, pos)
        except ValueError:
            raise WeightsError(f"{path}: corrupt checkpoint index footer") from None

    @staticmethod
    def _handle(buf: bytes, pos: int) -> tuple[tuple[int, int], int]:
        offset, pos = _varint(buf, pos)
        size, pos = _varint(buf, pos)
        return (offset, size), pos

    def _block(self, handle: tuple[int, int]) -> bytes:
        offset, size = handle
        end = offset + size + BLOCK_TRAILER_SIZE
        if end > len(self.data) - FOOTER_SIZE:
            raise WeightsError(
                f"{self.path}: truncated checkpoint index (block at {offset} runs past the end)"
            )
        contents = self.data[offset : offset + size + 1]  # with the compression byte the crc covers
        (stored,) = struct.unpack_from("<I", self.data, offset + size + 1)
        if masked_crc32c(contents) != stored:
            raise WeightsError(f"{self.path}: checkpoint index block at byte {offset} fails its crc32c check")
        if contents[-1] != 0:
            raise WeightsError(
                f"{self.path}: compressed index blocks (type {contents[-1]}) are not supported"
            )
        return contents[:-1]

    def _entries(self, block: bytes) -> Iterator[tuple[bytes, bytes]]:
        if len(block) < 4:
            raise WeightsError(f"{self.path}: corrupt checkpoint index block (too short)")
        (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
        limit = len(block) - 4 * (restarts + 1)
        key, pos = b"", 0
        try:
            while pos < limit:
                shared, pos = _varint(block, pos)
                unshared, pos = _varint(block, pos)
                length, pos = _varint(block, pos)
                if shared > len(key) or pos + unshared + length > limit:
                    raise ValueError("entry runs past its block")
                key = key[:shared] + block[pos : pos + unshared]
                pos += unshared
                yield key, block[pos : pos + length]
                pos += length
        except ValueError as exc:
            raise WeightsError(f"{self.path}: corrupt checkpoint index block ({exc})") from None

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        for _, handle_bytes in self._entries(self._block(self.index_handle)):
            handle, _ = self._handle(handle_bytes, 0)
            yield from self._entries(self._block(handle))


class TFCheckpoint:
    """A TF1 checkpoint: ``entries`` (name -> TensorEntry) from the index, ``read(name)`` from the shards."""

    def __init__(self, prefix: str | Path) -> None:
        self.prefix = Path(prefix)
        index = Path(f"{self.prefix}.index")
        if not index.is_file():
            raise WeightsError(f"{index}: checkpoint index not found")
        self.num_shards, self.entries = 1, {}
        try:
            for key, value in _Table(index).items():
                if key == b"":
                    header = dict(_fields(value))
                    self.num_shards = header.get(1, 1)
                    if header.get(2, 0) != 0:
                        raise WeightsError(f"{index}: big-endian checkpoints are not supported")
                else:
                    name = key.decode("utf-8", errors="replace")
                    self.entries[name] = TensorEntry.parse(name, value)
        except ValueError as exc:
            raise WeightsError(f"{index}: corrupt checkpoint index entry ({exc})") from None
        self._shards: dict[int, bytes] = {}

    def shard_path(self, shard: int) -> Path:
        return Path(f"{self.prefix}.data-{shard:05d}-of-{self.num_shards:05d}")

    def _shard(self, shard: int) -> bytes:
        if shard not in self._shards:
            path = self.shard_path(shard)
            if not path.is_file():
                raise WeightsError(
                    f"{path}: checkpoint data file not found (the index names {self.num_shards})"
                )
            self._shards[shard] = path.read_bytes()
        return self._shards[shard]

    def read(self, name: str) -> np.ndarray:
        """The tensor ``name`` as a numpy array of its dtype and shape, after checking its size and crc32c."""
        if name not in self.entries:
            raise WeightsError(f"{self.prefix}: checkpoint has no tensor {name!r}")
        entry = self.entries[name]
        if entry.sliced or entry.dtype_code not in DTYPES:
            raise WeightsError(
                f"{self.prefix}: tensor {name!r} is sliced or of unsupported dtype {entry.dtype_code}"
            )
        dtype = np.dtype(DTYPES[entry.dtype_code])
        expected = int(np.prod(entry.shape, dtype=np.int64)) * dtype.itemsize
        data = self._shard(entry.shard)
        if entry.size != expected:
            raise WeightsError(
                f"{self.prefix}: tensor {name!r} has {entry.size} bytes for shape {entry.shape}"
            )
        if entry.offset + entry.size > len(data):
            raise WeightsError(
                f"{self.shard_path(entry.shard)}: truncated: tensor {name!r} needs bytes "
                f"{entry.offset}..{entry.offset + entry.size}, the file has {len(data)}"
            )
        raw = memoryview(data)[entry.offset : entry.offset + entry.size]
        if entry.crc32c is not None and masked_crc32c(raw) != entry.crc32c:
            raise WeightsError(
                f"{self.shard_path(entry.shard)}: tensor {name!r} fails its crc32c check (corrupt)"
            )
        return np.frombuffer(raw, dtype=dtype).reshape(entry.shape).copy()


def checkpoint_prefix(spec: str | Path) -> Path | None:
    """The checkpoint prefix named by ``spec`` (a folder, a ``.ckpt`` prefix, its ``.index`` or a data shard),
    or None when ``spec`` names no TF checkpoint."""
    path = Path(spec)
    if path.is_dir():
        return _prefix_in_folder(path)
    text = str(path)
    for pattern in (r"\.index$", r"\.data-\d{5}-of-\d{5}$", r"\.meta$"):
        if re.search(pattern, text):
            return Path(re.sub(pattern, "", text))
    return path if Path(f"{text}.index").is_file() else None


def _prefix_in_folder(folder: Path) -> Path | None:
    state = folder / "checkpoint"
    if state.is_file():
        found = re.search(r'^model_checkpoint_path:\s*"([^"]+)"', state.read_text(errors="replace"), re.M)
        if found:
            named = Path(found.group(1))  # often an absolute path of the training machine
            for candidate in (named if named.is_absolute() else folder / named, folder / named.name):
                if Path(f"{candidate}.index").is_file():
                    return candidate
    indexes = sorted(folder.glob("*.index"))
    if len(indexes) > 1:
        names = ", ".join(p.name for p in indexes[:4])
        raise WeightsError(f"{folder}: several checkpoints ({names}); pass the .ckpt prefix of one")
    return Path(str(indexes[0])[: -len(".index")]) if indexes else None
