"""Read the history of an offline wandb run from its ``run-*.wandb`` file (LevelDB-log framing of protobuf
records, the format ``wandb sync`` uploads), to check what wandb itself recorded."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path

BLOCK = 32768
HEADER = struct.Struct("<IHB")  # crc32, length, type (full=1, first=2, middle=3, last=4)
FILE_HEADER = struct.Struct("<4sHB")  # b":W&B", magic 0xBEE1, version


def records(path: Path) -> Iterator[bytes]:
    data = path.read_bytes()
    ident, magic, _version = FILE_HEADER.unpack_from(data)
    assert ident == b":W&B" and magic == 0xBEE1, f"{path}: not a wandb run file"
    position, pending = FILE_HEADER.size, b""
    while position + HEADER.size <= len(data):
        room = BLOCK - position % BLOCK
        if room < HEADER.size:  # block trailer padding
            position += room
            continue
        _crc, length, kind = HEADER.unpack_from(data, position)
        chunk = data[position + HEADER.size : position + HEADER.size + length]
        position += HEADER.size + length
        if kind == 0 and length == 0:
            break
        pending = chunk if kind in (1, 2) else pending + chunk
        if kind in (1, 4):
            yield pending


def history(path: Path) -> list[dict]:
    """Every ``wandb.log`` row of the run, as {key: value}."""
    from wandb.proto import wandb_internal_pb2

    rows = []
    for payload in records(path):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(payload)
        if record.WhichOneof("record_type") == "history":
            rows.append(
                {
                    item.key or "/".join(item.nested_key): json.loads(item.value_json)
                    for item in record.history.item
                }
            )
    return rows


def logged_steps(path: Path, metric: str, step_key: str = "trainer/global_step") -> list[int]:
    """The ``step_key`` of each history row holding ``metric``."""
    return [int(row[step_key]) for row in history(path) if metric in row]
