"""An independent functional re-implementation of the PyTorch port's generator (bryandlee/animegan2-pytorch,
``model.py``) and state dicts written from the port's key names: the reference our generator and the torch.hub
entry points are tested against."""

from __future__ import annotations

import torch
import torch.nn.functional as F

# Key layout of the port's released .pt files: CNL blocks have conv at .1 and norm at .2.
PORT_CNL_BLOCKS = {
    "block_a.0": (32, 3, 7, 7),
    "block_a.1": (64, 32, 3, 3),
    "block_a.2": (64, 64, 3, 3),
    "block_b.0": (128, 64, 3, 3),
    "block_b.1": (128, 128, 3, 3),
    "block_c.0": (128, 128, 3, 3),
    "block_c.5": (128, 256, 3, 3),
    "block_d.0": (128, 128, 3, 3),
    "block_d.1": (128, 128, 3, 3),
    "block_e.0": (64, 128, 3, 3),
    "block_e.1": (64, 64, 3, 3),
    "block_e.2": (32, 64, 7, 7),
}
IRB_IN = {1: 128, 2: 256, 3: 256, 4: 256}


def port_state_dict(seed: int = 0) -> dict[str, torch.Tensor]:
    """A state dict written from the port's key names and shapes (not from our module)."""
    g = torch.Generator().manual_seed(seed)

    def rand(*shape: int, scale: float = 0.1) -> torch.Tensor:
        return torch.randn(*shape, generator=g) * scale

    state: dict[str, torch.Tensor] = {}
    for name, shape in PORT_CNL_BLOCKS.items():
        state[f"{name}.1.weight"] = rand(*shape)
        state[f"{name}.2.weight"] = 1 + rand(shape[0])
        state[f"{name}.2.bias"] = rand(shape[0])
    for i, cin in IRB_IN.items():
        p = f"block_c.{i}.layers"
        state[f"{p}.0.1.weight"] = rand(cin * 2, cin, 1, 1)
        state[f"{p}.0.2.weight"] = 1 + rand(cin * 2)
        state[f"{p}.0.2.bias"] = rand(cin * 2)
        state[f"{p}.1.1.weight"] = rand(cin * 2, 1, 3, 3)
        state[f"{p}.1.1.bias"] = rand(cin * 2)
        state[f"{p}.1.2.weight"] = 1 + rand(cin * 2)
        state[f"{p}.1.2.bias"] = rand(cin * 2)
        state[f"{p}.2.weight"] = rand(256, cin * 2, 1, 1)
        state[f"{p}.3.weight"] = 1 + rand(256)
        state[f"{p}.3.bias"] = rand(256)
    state["out_layer.0.weight"] = rand(3, 32, 1, 1)
    return state


def port_forward(s: dict[str, torch.Tensor], x: torch.Tensor, align_corners: bool = True) -> torch.Tensor:
    """Independent functional re-implementation of the port's ``Generator.forward(input, align_corners)``."""

    def up(h: torch.Tensor, size: torch.Size) -> torch.Tensor:
        if align_corners:
            return F.interpolate(h, size, mode="bilinear", align_corners=True)
        return F.interpolate(h, scale_factor=2, mode="bilinear", align_corners=False)

    def cnl(h: torch.Tensor, name: str, stride: int = 1, groups: int = 1, bias: bool = False) -> torch.Tensor:
        w = s[f"{name}.1.weight"]
        k = w.shape[-1]
        pad = (0, 1, 0, 1) if stride == 2 else (k // 2,) * 4
        h = F.pad(h, pad, mode="reflect")
        h = F.conv2d(h, w, s[f"{name}.1.bias"] if bias else None, stride=stride, groups=groups)
        h = F.group_norm(h, 1, s[f"{name}.2.weight"], s[f"{name}.2.bias"], eps=1e-5)
        return F.leaky_relu(h, 0.2)

    def irb(h: torch.Tensor, i: int) -> torch.Tensor:
        p = f"block_c.{i}.layers"
        out = cnl(h, f"{p}.0")
        out = cnl(out, f"{p}.1", groups=out.shape[1], bias=True)
        out = F.conv2d(out, s[f"{p}.2.weight"])
        out = F.group_norm(out, 1, s[f"{p}.3.weight"], s[f"{p}.3.bias"], eps=1e-5)
        return h + out if h.shape[1] == out.shape[1] else out

    a = cnl(cnl(cnl(x, "block_a.0"), "block_a.1", stride=2), "block_a.2")
    h = cnl(cnl(a, "block_b.0", stride=2), "block_b.1")
    h = cnl(h, "block_c.0")
    for i in range(1, 5):
        h = irb(h, i)
    h = cnl(h, "block_c.5")
    h = up(h, a.shape[-2:])
    h = cnl(cnl(h, "block_d.0"), "block_d.1")
    h = up(h, x.shape[-2:])
    h = cnl(cnl(cnl(h, "block_e.0"), "block_e.1"), "block_e.2")
    return torch.tanh(F.conv2d(h, s["out_layer.0.weight"]))
