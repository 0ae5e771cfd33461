"""The FID feature network: pytorch-fid's Inception-v3 (pool3, 2048 features), from the release file
``pt_inception-2015-12-05-6726825d.pth`` (fetched once into the cache) or a file given with ``--inception``.

The release publishes no sha256; its name carries the first 8 hex digits of it (``6726825d``). A fetched file
must match that prefix; its full hash is recorded with every result (``FeatureNet.sha256``). A file given by the
user is used as it is and said to be non-standard when its hash does not start with the prefix (e.g. the
randomly initialised network of the same layout that tests and the offline demo write with ``write_random``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from pytorch_fid import inception as fid_inception
from torch import nn

from animegan.atomic import atomic_path
from animegan.errors import DownloadError, WeightsError
from animegan.fetch import download, sha256_of
from animegan.weights.released import cache_root

URL = fid_inception.FID_WEIGHTS_URL
FILE_NAME = URL.rsplit("/", 1)[1]  # pt_inception-2015-12-05-6726825d.pth
SHA256_PREFIX = "6726825d"
FEATURES = 2048
POOL3 = fid_inception.InceptionV3.BLOCK_INDEX_BY_DIM[FEATURES]
NAME = "pytorch-fid InceptionV3 (pool3, 2048 features)"


@dataclass
class FeatureNet:
    """The loaded network, where its weights came from and their sha256; ``standard`` if they are the release's."""

    network: nn.Module
    path: Path
    sha256: str

    @property
    def standard(self) -> bool:
        return self.sha256.startswith(SHA256_PREFIX)

    def describe(self) -> dict[str, object]:
        """The protocol's record of the feature network."""
        return {"name": NAME, "file": self.path.name, "sha256": self.sha256, "standard": self.standard}


def cached_path() -> Path:
    """Where the release file lives in the cache: ``<cache>/fid/pt_inception-2015-12-05-6726825d.pth``."""
    return cache_root() / "fid" / FILE_NAME


@contextmanager
def _serving(state: Mapping[str, torch.Tensor]) -> Iterator[None]:
    """pytorch-fid builds its network by downloading the release: hand it ``state`` instead (no network)."""
    original = fid_inception.load_state_dict_from_url
    fid_inception.load_state_dict_from_url = lambda *args, **kwargs: state
    try:
        yield
    finally:
        fid_inception.load_state_dict_from_url = original


def build(state: Mapping[str, torch.Tensor]) -> nn.Module:
    """pytorch-fid's FID InceptionV3 (pool3 output, inputs in [0, 1] resized to 299) with ``state`` loaded."""
    with _serving(state):
        network = fid_inception.InceptionV3([POOL3], resize_input=True, normalize_input=True)
    return network.eval().requires_grad_(False)


def load(path: str | Path) -> FeatureNet:
    """The network from a state-dict file (loaded with ``weights_only=True``); WeightsError in one line if unusable."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: Inception weights file not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        network = build(state)
    except Exception as exc:  # unpickling, wrong keys or shapes: the file is not this layout
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise WeightsError(
            f"{path}: not a pytorch-fid Inception state dict ({first}); expected {FILE_NAME} or the same layout"
        ) from None
    return FeatureNet(network, path, sha256_of(path))


def fetch(quiet: bool = False) -> Path:
    """The release file, downloaded once into the cache and checked against the hash prefix in its name."""
    dest = cached_path()
    if not dest.is_file():
        print(f"fetching the FID Inception weights {URL} (about 92 MB) into {dest}", flush=True)
        try:
            download(URL, dest, quiet=quiet)
        except DownloadError as exc:
            raise DownloadError(
                f"cannot download the FID Inception weights ({exc}); offline, download {URL} by hand and put it "
                f"at {dest}, or pass --inception FILE"
            ) from None
    digest = sha256_of(dest)
    if not digest.startswith(SHA256_PREFIX):
        dest.unlink()
        raise DownloadError(
            f"{dest}: sha256 {digest} does not start with {SHA256_PREFIX} (the prefix in the release's name); "
            "the file was removed, run again to fetch it anew"
        )
    return dest


def feature_net(inception: str | Path | None, quiet: bool = False) -> FeatureNet:
    """The network of ``--inception FILE``, else the release (fetched once). Never random unless a file is."""
    net = load(inception if inception is not None else fetch(quiet=quiet))
    if not net.standard and not quiet:
        print(
            f"note: {net.path} is not the standard FID Inception (sha256 {net.sha256[:12]}...): its figures are "
            "not comparable to published FID/KID",
            flush=True,
        )
    return net


def random_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """A randomly initialised network of the release's layout (seeded): the keys and shapes of pytorch-fid's FID
    Inception, whose patched blocks only change how they pool. Convolutions get He (fan-in) initialisation so
    that pool3 features stay of order 1 through the 94 layers (torchvision's own initialisation gives ~1e10)."""
    from torchvision.models import inception_v3

    rng_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        network = inception_v3(weights=None, aux_logits=False, num_classes=1008, init_weights=False)
        for module in network.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
    finally:
        torch.random.set_rng_state(rng_state)
    return network.state_dict()


def write_random(path: str | Path, seed: int = 0) -> Path:
    """Write ``random_state(seed)`` to ``path`` (for tests and the offline demo; its figures are labelled)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        torch.save(random_state(seed), tmp)
    return path
