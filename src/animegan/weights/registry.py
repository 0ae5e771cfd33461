"""The released generators: every family in one table (data only; downloading lives in ``released``).

Families: ``port`` (the PyTorch port's ``.pt`` files, used as they are), ``tf`` (the authors' TF1 checkpoints,
downloaded file by file and converted once into ``<name>.safetensors``), ``onnx`` (AnimeGANv3's ONNX models, run
by ONNX Runtime). Hashes: where the source publishes one it is pinned here (``sha256``, or the git blob id of a
file committed to a repository, ``git_blob``); otherwise the sha256 of the first download is recorded and checked
on every later use. ``note`` says what could not be verified when this table was written.
"""

from __future__ import annotations

from dataclasses import dataclass

PORT = "https://github.com/bryandlee/animegan2-pytorch/raw/main/weights"
TF_V1 = "https://github.com/TachibanaYoshino/AnimeGAN/raw/master/checkpoint"
TF_V2 = "https://github.com/TachibanaYoshino/AnimeGANv2/raw/master/checkpoint"
V3 = "https://github.com/TachibanaYoshino/AnimeGANv3/releases/download/v1.1.0"
V3_GUI = "https://github.com/TachibanaYoshino/AnimeGANv3_gui.exe/releases/download/V1.1"
V3_PORTRAIT = "https://github.com/TachibanaYoshino/AnimeGANv3_Portrait_Inference/releases/download/1.0"

AUTHORS_LICENCE = (
    "non-commercial use only (AnimeGAN authors' licence; commercial use needs their written permission)"
)
PORT_LICENCE = "MIT (animegan2-pytorch)"
PORT_PAPRIKA_LICENCE = (
    "MIT (animegan2-pytorch); converted from AnimeGANv2 Paprika: authors' non-commercial terms apply"
)
UNVERIFIED_V3 = "asset URL reported by third-party code and issues, not verified here"


@dataclass(frozen=True)
class ReleasedFile:
    """One file of a release: its path under the release's base URL and what it must hash to (if known)."""

    path: str
    sha256: str | None = None
    git_blob: str | None = (
        None  # git's blob id (sha1 of "blob <size>\\0" + content), from the repository's tree
    )
    size: int | None = None

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ReleasedWeights:
    """One released generator."""

    name: str
    family: str  # "port" | "tf" | "onnx"
    arch: str  # "v1" | "v2" | "v3"
    train_size: int
    description: str
    base_url: str
    files: tuple[ReleasedFile, ...]
    licence: str
    note: str = ""

    @property
    def sha256(self) -> str | None:
        """The published sha256 of a single-file release, if any."""
        return self.files[0].sha256 if len(self.files) == 1 else None


def _tf(folder: str, prefix: str) -> tuple[ReleasedFile, ...]:
    return (ReleasedFile(f"{folder}/{prefix}.index"), ReleasedFile(f"{folder}/{prefix}.data-00000-of-00001"))


def _one(path: str, sha256: str | None = None) -> tuple[ReleasedFile, ...]:
    return (ReleasedFile(path, sha256=sha256),)


RELEASED: dict[str, ReleasedWeights] = {
    w.name: w
    for w in (
        ReleasedWeights("paprika", "tf", "v2", 256, "AnimeGANv2 Paprika (Kon Satoshi), TF original", TF_V2,
                        _tf("generator_Paprika_weight", "Paprika-54.ckpt"), AUTHORS_LICENCE,
                        "epoch 54 as the folder's checkpoint file names; the repository also has 74, 97, 98"),
        ReleasedWeights("hayao", "tf", "v2", 256, "AnimeGANv2 Hayao (Miyazaki), TF original", TF_V2,
                        _tf("generator_Hayao_weight", "Hayao-64.ckpt"), AUTHORS_LICENCE,
                        "epoch 64 (the authors' pb/onnx exports use it); the repository also has Hayao-99"),
        ReleasedWeights("shinkai", "tf", "v2", 256, "AnimeGANv2 Shinkai (Makoto Shinkai), TF original", TF_V2,
                        _tf("generator_Shinkai_weight", "Shinkai-53.ckpt"), AUTHORS_LICENCE,
                        "epoch 53 as the folder's checkpoint file names; the repository also has Shinkai-33"),
        ReleasedWeights("hayao_v1", "tf", "v1", 256, "AnimeGAN (v1) Hayao, TF original", TF_V1,
                        (ReleasedFile("generator_Hayao_weight/Hayao-60.ckpt.index",
                                      sha256="625a07f02afa70358d3399cf413644868c8691526e6ff2eeea26f44ea3251db9",
                                      git_blob="36907806b09cb6e244576eb36e0fe3137fc64ee0", size=5565),
                         ReleasedFile("generator_Hayao_weight/Hayao-60.ckpt.data-00000-of-00001",
                                      git_blob="f4e7d3e5eba35bd5fbe0e8b2ea57565f4b49b2a7", size=15_824_384)),
                        AUTHORS_LICENCE, "hashes from the repository's tree (index read and checked here)"),
        ReleasedWeights("paprika_port", "port", "v2", 256, "the PyTorch port's Paprika (converted from TF)", PORT,
                        _one("paprika.pt"), PORT_PAPRIKA_LICENCE, "port forward (align_corners), not the TF graph's"),
        ReleasedWeights("face_paint_512_v2", "port", "v2", 512, "faces (aligned 512x512 crops), v2", PORT,
                        _one("face_paint_512_v2.pt"), PORT_LICENCE),
        ReleasedWeights("face_paint_512_v1", "port", "v2", 512, "faces (aligned 512x512 crops), v1", PORT,
                        _one("face_paint_512_v1.pt"), PORT_LICENCE),
        ReleasedWeights("celeba_distill", "port", "v2", 256, "faces, distilled from CelebA (256x256)", PORT,
                        _one("celeba_distill.pt"), PORT_LICENCE),
        ReleasedWeights("v3_hayao", "onnx", "v3", 256, "AnimeGANv3 Hayao (landscapes), ONNX", V3,
                        _one("AnimeGANv3_Hayao_36.onnx"), AUTHORS_LICENCE, UNVERIFIED_V3),
        ReleasedWeights("v3_shinkai", "onnx", "v3", 256, "AnimeGANv3 Shinkai (landscapes), ONNX", V3,
                        _one("AnimeGANv3_Shinkai_37.onnx"), AUTHORS_LICENCE, UNVERIFIED_V3),
        ReleasedWeights("v3_portrait_sketch", "onnx", "v3", 512, "AnimeGANv3 portrait sketch, ONNX", V3_PORTRAIT,
                        _one("AnimeGANv3_PortraitSketch_25.onnx"), AUTHORS_LICENCE, UNVERIFIED_V3),
        ReleasedWeights("v3_jp_face", "onnx", "v3", 512, "AnimeGANv3 Japanese comic face, ONNX", V3_GUI,
                        _one("AnimeGANv3_JP_face_v1.0.onnx"), AUTHORS_LICENCE, UNVERIFIED_V3),
        ReleasedWeights("v3_cute", "onnx", "v3", 512, "AnimeGANv3 tiny Cute portrait, ONNX (sides x16)", V3_GUI,
                        _one("AnimeGANv3_tiny_Cute.onnx"), AUTHORS_LICENCE, UNVERIFIED_V3),
    )
}  # fmt: skip
DEFAULT_FACE_MODEL = "face_paint_512_v2"  # the face model of `--faces` and `animegan faces`
DEFAULT_ORDER = ("paprika", "paprika_port", "hayao", "shinkai", "hayao_v1", "face_paint_512_v2", "celeba_distill",
                 "face_paint_512_v1")  # fmt: skip
LICENCE_TAGS = {
    AUTHORS_LICENCE: "non-commercial",
    PORT_LICENCE: "MIT",
    PORT_PAPRIKA_LICENCE: "MIT+nc",
}
