"""torch.hub entry points, a drop-in for the PyTorch port (bryandlee/animegan2-pytorch):

    model = torch.hub.load("<owner>/animegan", "generator", pretrained="paprika").eval()
    face2paint = torch.hub.load("<owner>/animegan", "face2paint", size=512)
    out = face2paint(model, pil_image)

``pretrained``: True (the port's default, face_paint_512_v2), one of the port's names, a local file
(.pt/.ckpt/.safetensors, loaded safely), ``hf://OWNER/REPO[/FILE]`` (Hugging Face Hub) or a URL; False gives
random weights.
"""

import importlib.util
import sys
from pathlib import Path

dependencies = ["torch", "torchvision", "PIL", "numpy"]

if importlib.util.find_spec("animegan") is None:  # a torch.hub checkout: the package lives in src/
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

PORT_URL = "https://github.com/bryandlee/animegan2-pytorch/raw/main/weights"
PORT_NAMES = ("celeba_distill", "face_paint_512_v1", "face_paint_512_v2", "paprika")
KNOWN = {name: f"{PORT_URL}/{name}.pt" for name in PORT_NAMES}
DEFAULT = "face_paint_512_v2"


def generator(pretrained=True, device="cpu", progress=True, check_hash=True):
    """The port's generator (v2) with released (``True`` or a name), local or downloaded weights."""
    from animegan.inference.torch_hub import hub_generator

    return hub_generator(pretrained, KNOWN, DEFAULT, device=device, progress=progress, check_hash=check_hash)


def face2paint(device="cpu", size=512, side_by_side=False):
    """``face2paint(model, pil_image) -> PIL image`` (size x size; 2*size x size side by side), as the port's."""
    from animegan.inference.torch_hub import make_face2paint

    return make_face2paint(device=device, size=size, side_by_side=side_by_side)
