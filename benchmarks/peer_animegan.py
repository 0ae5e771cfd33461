"""The adversarial step of ptran1203/pytorch-animeGAN (``train.py --model v2``), re-implemented for bench_train.

Written from a reading of its ``trainer/__init__.py`` (``Trainer.train_epoch``), ``losses.py``, ``models/
anime_gan_v2.py``, ``models/anime_gan.py`` (Discriminator), ``models/conv_blocks.py`` and ``models/vgg.py``, with its
defaults (``--gan_loss lsgan``, ``--d_layers 2``, no ``--use_sn``, no ``--gray_adv``/``--d_noise``; ``--amp`` is
CUDA autocast, a no-op on the CPU): fp32, eager, NCHW, ``torch.optim.Adam`` with torch's CPU default (one kernel
per tensor). The work of one step, as the peer does it:

* D phase: G(photo) with a graph; D on fake, anime, anime gray and smooth gray (four calls of ``batch``); loss
  real + fake; its backward runs through D and G (G(photo) is not detached); clip D's gradient norm; Adam on D.
* G phase: G(photo) again; D(fake); VGG19 (to conv4_4, its parameters not frozen) on fake, anime gray and photo,
  three calls; adv + content + Gram (one ``(B*C) x (B*C)`` matrix over the batch) + colour + TV; the backward
  runs through VGG (also its weight gradients), D and G; clip G's gradient norm; Adam on G; each loss read back.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.vgg import cfgs, make_layers

YUV = ((0.299, 0.587, 0.114), (-0.14714119, -0.28886916, 0.43601035), (0.61497538, -0.51496512, -0.10001026))
WEIGHTS = {
    "adv": 300.0,
    "content": 1.5,
    "gram": 5.0,
    "color": 30.0,
    "tv": 1.0,
}  # the peer's train.py defaults


def conv_block(cin: int, cout: int, kernel: int = 3, stride: int = 1, pad=1, groups: int = 1, bias=False):
    """Reflect pad, conv, layer norm (GroupNorm with one group), LeakyReLU(0.2)."""
    conv = nn.Conv2d(cin, cout, kernel, stride, 0, groups=groups, bias=bias)
    return nn.Sequential(nn.ReflectionPad2d(pad), conv, nn.GroupNorm(1, cout), nn.LeakyReLU(0.2, True))


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        hidden = 2 * cin
        self.body = nn.Sequential(
            conv_block(cin, hidden, kernel=1, pad=0),
            conv_block(hidden, hidden, groups=hidden, bias=True),
            nn.Conv2d(hidden, cout, 1, bias=False),
            nn.GroupNorm(1, cout),
        )
        self.residual = cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        return out + x if self.residual else out


class PeerGenerator(nn.Module):
    """The peer's GeneratorV2: stride-2 encoder, 4 inverted residual blocks, bilinear x2 decoder, tanh."""

    def __init__(self) -> None:
        super().__init__()
        down = (0, 1, 0, 1)
        self.encode = nn.Sequential(
            *[conv_block(3, 32, 7, pad=3), conv_block(32, 64, stride=2, pad=down), conv_block(64, 64)],
            *[conv_block(64, 128, stride=2, pad=down), conv_block(128, 128), conv_block(128, 128)],
            InvertedResidual(128, 256),
            *[InvertedResidual(256, 256) for _ in range(3)],
            conv_block(256, 128),
        )
        self.up1 = nn.Sequential(conv_block(128, 128), conv_block(128, 128))
        self.up2 = nn.Sequential(conv_block(128, 64), conv_block(64, 64), conv_block(64, 32, 7, pad=3))
        self.out = nn.Sequential(nn.Conv2d(32, 3, 1), nn.Tanh())
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(self.encode(x), scale_factor=2, mode="bilinear")
        x = F.interpolate(self.up1(x), scale_factor=2, mode="bilinear")
        return self.out(self.up2(x))


def peer_discriminator(layers: int = 2, channels: int = 32) -> nn.Sequential:
    """The peer's Discriminator: 3x3 convs without bias, ``layers`` stride-2 stages, layer norm, patch logits."""
    seq: list[nn.Module] = [nn.Conv2d(3, channels, 3, 1, 1, bias=False), nn.LeakyReLU(0.2, True)]
    cin = channels
    for _ in range(layers):
        seq += [nn.Conv2d(cin, channels * 2, 3, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(channels * 2, channels * 4, 3, 1, 1, bias=False), nn.GroupNorm(1, channels * 4)]
        seq += [nn.LeakyReLU(0.2, True)]
        cin, channels = channels * 4, channels * 2
    channels *= 2
    seq += [
        nn.Conv2d(channels, channels, 3, 1, 1, bias=False),
        nn.GroupNorm(1, channels),
        nn.LeakyReLU(0.2, True),
    ]
    return nn.Sequential(*seq, nn.Conv2d(channels, 1, 3, 1, 1, bias=False))


class PeerVGG(nn.Module):
    """torchvision VGG19 features up to conv4_4 (random weights here: the same work), ImageNet normalisation."""

    def __init__(self) -> None:
        super().__init__()
        self.features = make_layers(cfgs["E"])[:26]
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(((x + 1) / 2 - self.mean) / self.std)


def batch_gram(features: torch.Tensor) -> torch.Tensor:
    b, c, h, w = features.shape
    flat = features.reshape(b * c, h * w)
    return (flat @ flat.T).clamp(-64990.0, 64990.0) / (b * c * h * w)


def color_loss(photo: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    matrix = torch.tensor(YUV)
    a, b = (((x + 1) / 2).permute(0, 2, 3, 1) @ matrix.T for x in (photo, fake))
    return (
        F.l1_loss(a[..., 0], b[..., 0])
        + F.smooth_l1_loss(a[..., 1], b[..., 1])
        + F.smooth_l1_loss(a[..., 2], b[..., 2])
    )


def tv_loss(x: torch.Tensor) -> torch.Tensor:
    x = x.permute(0, 2, 3, 1)
    dh, dw = x[:, :-1] - x[:, 1:], x[:, :, :-1] - x[:, :, 1:]
    return dh.square().sum() / 2 / dh.numel() + dw.square().sum() / 2 / dw.numel()


class PeerStep:
    """One ``Trainer.train_epoch`` iteration of the peer (see the module docstring), on a dict batch."""

    def __init__(self, lr_g: float = 2e-5, lr_d: float = 4e-5, max_norm: float = 10.0) -> None:
        self.g, self.d, self.vgg = PeerGenerator(), peer_discriminator(), PeerVGG().eval()
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=lr_g, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=lr_d, betas=(0.5, 0.999))
        self.max_norm = max_norm

    def __call__(self, b: dict[str, torch.Tensor]) -> dict[str, float]:
        photo, anime, gray, smooth = b["photo"], b["anime"], b["anime_gray"], b["smooth_gray"]
        self.opt_d.zero_grad()
        fake = self.g(photo)
        d_fake, d_real, _, _ = self.d(fake), self.d(anime), self.d(gray), self.d(smooth)
        loss_d = (d_real - 1).square().mean() + d_fake.square().mean()
        loss_d.backward()
        nn.utils.clip_grad_norm_(self.d.parameters(), max_norm=self.max_norm)
        self.opt_d.step()
        self.opt_g.zero_grad()
        fake = self.g(photo)
        d_fake = self.d(fake)
        fake_f, gray_f, photo_f = self.vgg(fake), self.vgg(gray), self.vgg(photo)
        w = WEIGHTS
        terms = {
            "adv": w["adv"] * (d_fake - 1).square().mean(),
            "content": w["content"] * F.l1_loss(photo_f, fake_f),
            "gram": w["gram"] * F.l1_loss(batch_gram(gray_f), batch_gram(fake_f)),
            "color": w["color"] * color_loss(photo, fake),
            "tv": w["tv"] * tv_loss(fake),
        }
        loss_g = sum(terms.values())
        if torch.isnan(terms["adv"]).any():
            raise ValueError("NaN loss")
        loss_g.backward()
        nn.utils.clip_grad_norm_(self.g.parameters(), max_norm=self.max_norm)
        self.opt_g.step()
        return {"loss_d": loss_d.item()} | {k: v.item() for k, v in terms.items()}
