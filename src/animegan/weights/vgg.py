"""VGG19 weights for the perceptual losses: torchvision ImageNet, the Caffe ``vgg19.npy``, a ``.pth`` file, or random.

Files are read safely: ``.pth`` with ``weights_only=True``, ``.npy`` through a numpy-only unpickler.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from animegan.errors import WeightsError
from animegan.nets.vgg import VGGFeatures
from animegan.weights.safe_pickle import load_npy_dict

log = logging.getLogger(__name__)

CAFFE_LAYER_NAMES = [
    "conv1_1", "conv1_2", "conv2_1", "conv2_2",
    "conv3_1", "conv3_2", "conv3_3", "conv3_4",
    "conv4_1", "conv4_2", "conv4_3", "conv4_4",
]  # fmt: skip
SOURCES_HELP = "weights=imagenet (torchvision, needs a download once), weights=PATH (.pth or Caffe vgg19.npy), or weights=random"
CAFFE_FILE = "vgg19.npy"  # the name `animegan download vgg19 --root DIR` writes: DIR/vgg19.npy
NUMPY_MAGIC = b"\x93NUMPY"


def load_vgg(weights: str | Path, seed: int = 0) -> VGGFeatures:
    """Frozen VGG19 conv4_4 features with ``weights``: ``imagenet``, ``random`` (tests, offline demo) or a path."""
    if str(weights) == "random":
        log.warning("VGG19 uses RANDOM weights: perceptual losses (content, style) use random features")
        return VGGFeatures("imagenet", seed=seed)
    if str(weights) == "imagenet":
        vgg = VGGFeatures("imagenet")
        _load_torchvision_state(vgg, _imagenet_state(), "torchvision IMAGENET1K_V1")
    else:
        path = check_vgg_file(weights)
        vgg = VGGFeatures("caffe" if path.suffix == ".npy" else "imagenet")
        if path.suffix == ".npy":
            _load_caffe_npy(vgg, path)
        else:
            _load_torchvision_state(vgg, _read_pth(path), str(path))
    vgg.source = str(weights)
    return vgg


def check_vgg_file(weights: str | Path) -> Path:
    """The path of a VGG19 weights file that exists and looks like its format; one line naming the fix if not.

    Cheap (reads a few bytes): the full read happens when the VGG is built.
    """
    path = Path(weights).expanduser()
    if not path.is_file():
        fix = (
            f"get it with `animegan download vgg19 --root {path.parent}`"
            if path.name == CAFFE_FILE
            else "check the path"
        )
        raise WeightsError(
            f"{path}: VGG19 weights file does not exist; {fix}, or set model.vgg.weights (imagenet | random | PATH)"
        )
    if path.suffix == ".npy":
        with path.open("rb") as handle:
            if handle.read(len(NUMPY_MAGIC)) != NUMPY_MAGIC:
                raise WeightsError(
                    f"{path}: not a NumPy .npy file; expected the Caffe vgg19.npy of `animegan download vgg19`"
                )
    elif path.stat().st_size == 0:
        raise WeightsError(f"{path}: empty file; expected a torchvision VGG19 state dict")
    return path


def check_vgg_source(weights: str | Path) -> None:
    """Fail with one line, before a run starts, if ``weights`` cannot give a VGG19 (imagenet: fetched once now)."""
    if str(weights) == "random":
        return
    if str(weights) == "imagenet":
        if not _imagenet_cached():
            _imagenet_state()  # downloaded into torch's cache now
        return
    check_vgg_file(weights)


def _imagenet_cached() -> bool:
    from torchvision.models import VGG19_Weights

    name = VGG19_Weights.IMAGENET1K_V1.url.rsplit("/", 1)[-1]
    return (Path(torch.hub.get_dir()) / "checkpoints" / name).is_file()


def _imagenet_state() -> dict[str, torch.Tensor]:
    from torchvision.models import VGG19_Weights

    try:
        return VGG19_Weights.IMAGENET1K_V1.get_state_dict(progress=True)
    except Exception as exc:  # noqa: BLE001 - any network or cache failure means the same to the user
        raise WeightsError(
            f"could not get ImageNet VGG19 weights ({type(exc).__name__}: {str(exc).splitlines()[0][:120]}); "
            f"use a local file (model.vgg.weights=/path/to/vgg19.npy or .pth) or model.vgg.weights=random"
        ) from None


def _read_pth(path: Path) -> dict[str, torch.Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001
        raise WeightsError(
            f"{path}: not a loadable VGG19 state dict ({type(exc).__name__}); {SOURCES_HELP}"
        ) from None
    if not isinstance(state, dict):
        raise WeightsError(f"{path}: expected a state dict, found {type(state).__name__}")
    return state


def _load_torchvision_state(vgg: VGGFeatures, state: dict[str, torch.Tensor], origin: str) -> None:
    wanted = vgg.features.state_dict()
    picked = {}
    for key in wanted:
        candidate = next((c for c in (f"features.{key}", key) if c in state), None)
        if candidate is None:
            raise WeightsError(
                f"{origin}: no tensor for VGG19 layer features.{key}; expected a torchvision vgg19 state dict"
            )
        picked[key] = state[candidate]
        if picked[key].shape != wanted[key].shape:
            raise WeightsError(
                f"{origin}: features.{key} has shape {tuple(picked[key].shape)}, expected {tuple(wanted[key].shape)}"
            )
    vgg.features.load_state_dict(picked)


def _load_caffe_npy(vgg: VGGFeatures, path: Path) -> None:
    layers = load_npy_dict(path)
    for name, conv in zip(CAFFE_LAYER_NAMES, vgg.convs(), strict=True):
        if name not in layers:
            raise WeightsError(f"{path}: layer {name} missing; expected the Caffe-converted vgg19.npy")
        weight, bias = (np.asarray(t, dtype=np.float32) for t in layers[name][:2])
        weight = torch.from_numpy(weight).permute(3, 2, 0, 1)  # (kh, kw, in, out) -> (out, in, kh, kw)
        if weight.shape != conv.weight.shape:
            raise WeightsError(
                f"{path}: {name} has shape {tuple(weight.shape)}, expected {tuple(conv.weight.shape)}"
            )
        conv.weight.data.copy_(weight)
        conv.bias.data.copy_(torch.from_numpy(bias))
