"""An independent writer of TF1 checkpoints (tensor bundle V2), for tests: written from the format's rules, not
from the reader in ``animegan.weights.tf_checkpoint``.

- ``PREFIX.data-00000-of-00001``: the tensors' raw little-endian bytes, one after the other.
- ``PREFIX.index``: a LevelDB table (``table/format.cc``, ``table/block_builder.cc``): sorted keys, data blocks of
  entries ``varint32 shared, varint32 non_shared, varint32 value_size, key delta, value`` with a restart point
  every 16 entries, each block followed by a type byte (0: no compression) and the masked crc32c of block + type;
  an empty metaindex block; an index block (restart interval 1) mapping each block's last key to its handle
  ``varint64 offset, varint64 size``; a 48-byte footer: both handles, zero padding to 40 bytes, the fixed64 magic.
- Values are protobufs (``tensor_bundle.proto``), built here with the protobuf package from a descriptor:
  key ``""`` a BundleHeaderProto, each variable a BundleEntryProto (dtype, shape, shard_id, offset, size, crc32c).
"""

from __future__ import annotations

import struct
from pathlib import Path

import google_crc32c
import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

MAGIC = 0xDB4775248B80FB57
DT = {np.dtype("float32"): 1, np.dtype("float64"): 2, np.dtype("int32"): 3, np.dtype("int64"): 9}
F = descriptor_pb2.FieldDescriptorProto


def _messages() -> dict[str, type]:
    fdp = descriptor_pb2.FileDescriptorProto(
        name="test_tensor_bundle.proto", package="tensorflow", syntax="proto3"
    )

    def message(name: str, *fields: tuple[str, int, int, str | None, int]) -> None:
        m = fdp.message_type.add(name=name)
        for field_name, number, kind, type_name, label in fields:
            f = m.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                f.type_name = type_name

    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    message("VersionDef", ("producer", 1, F.TYPE_INT32, None, opt))
    message("Dim", ("size", 1, F.TYPE_INT64, None, opt), ("name", 2, F.TYPE_STRING, None, opt))
    message("TensorShapeProto", ("dim", 2, F.TYPE_MESSAGE, ".tensorflow.Dim", rep))
    message(
        "BundleHeaderProto",
        ("num_shards", 1, F.TYPE_INT32, None, opt),
        ("endianness", 2, F.TYPE_INT32, None, opt),
        ("version", 3, F.TYPE_MESSAGE, ".tensorflow.VersionDef", opt),
    )
    message(
        "BundleEntryProto",
        ("dtype", 1, F.TYPE_INT32, None, opt),
        ("shape", 2, F.TYPE_MESSAGE, ".tensorflow.TensorShapeProto", opt),
        ("shard_id", 3, F.TYPE_INT32, None, opt),
        ("offset", 4, F.TYPE_INT64, None, opt),
        ("size", 5, F.TYPE_INT64, None, opt),
        ("crc32c", 6, F.TYPE_FIXED32, None, opt),
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    names = ("BundleHeaderProto", "BundleEntryProto")
    return {n: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tensorflow.{n}")) for n in names}


def masked(data: bytes) -> int:
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def block(entries: list[tuple[bytes, bytes]], restart_interval: int) -> bytes:
    out, restarts, previous = bytearray(), [], b""
    for i, (key, value) in enumerate(entries):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(out))
        else:
            while shared < min(len(key), len(previous)) and key[shared] == previous[shared]:
                shared += 1
        out += varint(shared) + varint(len(key) - shared) + varint(len(value)) + key[shared:] + value
        previous = key
    restarts = restarts or [0]
    out += b"".join(struct.pack("<I", r) for r in restarts) + struct.pack("<I", len(restarts))
    return bytes(out)


def write_table(path: Path, items: list[tuple[bytes, bytes]], block_size: int) -> None:
    data, index = bytearray(), []

    def emit(contents: bytes) -> bytes:
        handle = varint(len(data)) + varint(len(contents))
        data.extend(contents + b"\x00" + struct.pack("<I", masked(contents + b"\x00")))
        return handle

    pending: list[tuple[bytes, bytes]] = []
    for key, value in sorted(items):
        pending.append((key, value))
        if sum(len(k) + len(v) for k, v in pending) >= block_size:
            index.append((key, emit(block(pending, 16))))
            pending = []
    if pending:
        index.append((pending[-1][0], emit(block(pending, 16))))
    meta_handle = emit(block([], 16))
    index_handle = emit(block(index, 1))
    footer = (meta_handle + index_handle).ljust(40, b"\x00") + struct.pack("<Q", MAGIC)
    path.write_bytes(bytes(data) + footer)


def write_checkpoint(prefix: str | Path, tensors: dict[str, np.ndarray], block_size: int = 512) -> Path:
    """Write ``tensors`` as a TF1 checkpoint at ``prefix`` (``.index`` + one data shard); returns the prefix."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    messages = _messages()
    header = messages["BundleHeaderProto"](num_shards=1, endianness=0)
    header.version.producer = 1
    items, shard = [(b"", header.SerializeToString())], bytearray()
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        entry = messages["BundleEntryProto"](
            dtype=DT[array.dtype], shard_id=0, offset=len(shard), size=len(raw), crc32c=masked(raw)
        )
        for size in array.shape:
            entry.shape.dim.add(size=size)
        items.append((name.encode(), entry.SerializeToString()))
        shard += raw
    Path(f"{prefix}.data-00000-of-00001").write_bytes(bytes(shard))
    write_table(Path(f"{prefix}.index"), items, block_size)
    return prefix
