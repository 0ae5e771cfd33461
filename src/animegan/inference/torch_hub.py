"""torch.hub entry points with the behaviour of the PyTorch port (bryandlee/animegan2-pytorch): its generator
class (``forward(input, align_corners=True)``), weights by name, file or URL, and ``face2paint``.

``hubconf.py`` at the repository root maps the port's names to the port's URLs and calls these functions.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path

import torch
from PIL import Image

from animegan.errors import WeightsError
from animegan.nets.generator import GeneratorV2
from animegan.weights.formats import detect_arch
from animegan.weights.hub import is_hub_spec, resolve_hub
from animegan.weights.io import extract_generator_state, load_generator_state

Face2Paint = Callable[..., Image.Image]


class HubGenerator(GeneratorV2):
    """Our v2 generator with the port's call signature: ``model(x, align_corners=True)``."""

    def forward(self, input: torch.Tensor, align_corners: bool = True) -> torch.Tensor:  # noqa: A002 - port's name
        self.upsample = "align_corners" if align_corners else "half_pixel"  # the port's two modes
        return super().forward(input)


def _state_from_url(
    url: str, device: torch.device, progress: bool, check_hash: bool
) -> dict[str, torch.Tensor]:
    """Download once into torch.hub's cache (as the port does, so its cache is shared) and load safely."""
    try:
        obj = torch.hub.load_state_dict_from_url(
            url, map_location=device, progress=progress, check_hash=check_hash, weights_only=True
        )
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0][:160]
        raise WeightsError(f"{url}: refused: the file holds objects that would run code ({first})") from None
    state = extract_generator_state(obj, origin=url)
    detect_arch(state, origin=url, expected="v2")
    return state


def hub_state(
    spec: str | os.PathLike, known: Mapping[str, str], device: torch.device, progress: bool, check_hash: bool
) -> dict[str, torch.Tensor]:
    """Weights for ``spec``: a name in ``known`` (name -> URL), a local file, ``hf://OWNER/REPO[/FILE]``, or a URL."""
    name = str(spec)
    if is_hub_spec(name):
        spec = resolve_hub(name)  # into the Hugging Face cache, then loaded as any local file
    if name not in known and (isinstance(spec, os.PathLike) or Path(name).exists()):
        state, _ = load_generator_state(spec, expected_arch="v2")
        return {k: v.to(device) for k, v in state.items()}
    url = known.get(name, name)
    if "://" not in url:
        raise WeightsError(
            f"pretrained={spec!r}: not a released name ({', '.join(known)}), an existing file or a URL"
        )
    return _state_from_url(url, device, progress, check_hash)


def hub_generator(
    pretrained: bool | str | os.PathLike,
    known: Mapping[str, str],
    default: str,
    device: str | torch.device = "cpu",
    progress: bool = True,
    check_hash: bool = True,
) -> HubGenerator:
    """The port's ``generator(...)``: ``True`` loads ``default``, a string a name/file/URL, ``False`` random init."""
    device = torch.device(device)
    model = HubGenerator().to(device)
    if pretrained is False or pretrained is None:
        return model
    spec = default if pretrained is True else pretrained
    model.load_state_dict(hub_state(spec, known, device, progress, check_hash), strict=True)
    return model


def make_face2paint(
    device: str | torch.device = "cpu", size: int = 512, side_by_side: bool = False
) -> Face2Paint:
    """The port's ``face2paint``: a function ``(model, pil_image) -> PIL image`` of ``size`` x ``size``.

    The image is centre-cropped to a square, resized with Lanczos, stylized; ``side_by_side`` puts the resized
    input left of the result (``2*size`` x ``size``). Every setting can be overridden per call.
    """
    from torchvision.transforms.functional import to_pil_image, to_tensor

    def face2paint(
        model: torch.nn.Module,
        img: Image.Image,
        size: int = size,
        side_by_side: bool = side_by_side,
        device: str | torch.device = device,
    ) -> Image.Image:
        w, h = img.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.LANCZOS)
        with torch.no_grad():
            x = to_tensor(img).unsqueeze(0) * 2 - 1
            out = model(x.to(device)).cpu()[0]
            if side_by_side:
                out = torch.cat([x[0], out], dim=2)
            return to_pil_image((out * 0.5 + 0.5).clip(0, 1))

    return face2paint
