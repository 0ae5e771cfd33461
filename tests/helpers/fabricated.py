"""Fabricated released files (random weights, labelled as such) under the names the registry downloads."""

from __future__ import annotations

from pathlib import Path

import torch

from animegan.nets import GeneratorV2
from helpers.tf_bundle import write_checkpoint
from helpers.tf_graph import random_tf_generator


def fabricated_port_weights(path: Path, seed: int = 0) -> bytes:
    """A state dict in the PyTorch port's format (random values, labelled as fabricated)."""
    torch.manual_seed(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(GeneratorV2().state_dict(), path)
    return path.read_bytes()


def fabricated_tf_release(folder: Path, prefix: str, arch: str = "v2", seed: int = 0) -> Path:
    """A TF1 generator checkpoint with random weights under the release's file names (fabricated)."""
    return write_checkpoint(folder / prefix, random_tf_generator(arch, seed))
