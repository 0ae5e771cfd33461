"""The PyTorch port's ``test.py`` (bryandlee/animegan2-pytorch), re-done for ``bench_first_picture``: its steps in
its order, so that one child process of it costs what a user of the port pays for a folder of photos.

As the port does: import torch, OpenCV and numpy, build the generator (``port_model.PortGenerator``: the port's
module layout), ``load_state_dict(torch.load(checkpoint, map_location="cpu"))``, then for each ``.jpg``, ``.png``,
``.bmp`` or ``.tiff`` of the input folder, sorted: ``cv2.imread`` to float32, BGR to RGB, ``/ 127.5 - 1``, HWC to
NCHW, the forward under ``torch.no_grad()``, ``(out + 1) * 127.5`` clipped and truncated to uint8, RGB to BGR
and ``cv2.imwrite`` under the same name in the output folder, one line printed per image.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from port_model import PortGenerator  # noqa: E402 - the benchmarks folder is not a package

EXTENSIONS = (".jpg", ".png", ".bmp", ".tiff")


def load_image(path: str) -> torch.Tensor:
    """HWC float32 RGB in [-1, 1], as the port reads it."""
    bgr = cv2.imread(path).astype(np.float32)
    return torch.from_numpy(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)) / 127.5 - 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--input_dir", required=True)
    parser.add_argument("--output_dir", required=True)
    args = parser.parse_args()
    net = PortGenerator()
    net.load_state_dict(torch.load(args.checkpoint, map_location="cpu"))
    net.eval()
    print(f"model loaded: {args.checkpoint}")
    os.makedirs(args.output_dir, exist_ok=True)
    for name in sorted(os.listdir(args.input_dir)):
        if os.path.splitext(name)[-1].lower() not in EXTENSIONS:
            continue
        image = load_image(os.path.join(args.input_dir, name))
        with torch.no_grad():
            out = net(image.permute(2, 0, 1).unsqueeze(0)).squeeze(0).permute(1, 2, 0).numpy()
            out = np.clip((out + 1) * 127.5, 0, 255).astype(np.uint8)
        cv2.imwrite(os.path.join(args.output_dir, name), cv2.cvtColor(out, cv2.COLOR_RGB2BGR))
        print(f"image saved: {name}")


if __name__ == "__main__":
    main()
