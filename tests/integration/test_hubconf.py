"""hubconf.py through torch.hub.load(source="local"): the port's outputs for the port's weights (by file, URL,
name), face2paint's crop/resize/side-by-side, hashes, unsafe files, and a checkout where animegan is not installed.

All weights here are fabricated (random values in the port's key layout), not trained models.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.local_server import serve_folder
from helpers.port_reference import port_forward, port_state_dict
from PIL import Image

from animegan.errors import WeightsError

REPO = Path(__file__).resolve().parents[2]
PORT_URL = "https://github.com/bryandlee/animegan2-pytorch/raw/main/weights"


def hub(entry: str, **kwargs):
    return torch.hub.load(str(REPO), entry, source="local", **kwargs)


@pytest.fixture
def hub_dir(tmp_path: Path) -> Path:
    """torch.hub's cache in tmp_path (checkpoints land in <hub_dir>/checkpoints, as for the port)."""
    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))
    yield tmp_path / "hub"
    torch.hub.set_dir(previous)


@pytest.fixture(scope="module")
def port_weights(tmp_path_factory) -> tuple[dict[str, torch.Tensor], Path]:
    state = port_state_dict(seed=7)
    path = tmp_path_factory.mktemp("port") / "fabricated_port_generator.pt"
    torch.save(state, path)
    return state, path


def assert_port_output(model: torch.nn.Module, state: dict[str, torch.Tensor], size=(45, 62)) -> None:
    x = torch.rand(1, 3, *size, generator=torch.Generator().manual_seed(2)) * 2 - 1
    with torch.no_grad():
        ours, theirs = model(x), port_forward(state, x)
    assert ours.shape == (1, 3, *size)
    assert (ours - theirs).abs().max() <= 1e-5


def test_generator_from_a_file_gives_the_ports_output(port_weights) -> None:
    state, path = port_weights
    model = hub("generator", pretrained=str(path)).eval()
    assert_port_output(model, state)
    assert_port_output(model, state, size=(64, 48))
    x = torch.rand(1, 3, 64, 48, generator=torch.Generator().manual_seed(3)) * 2 - 1
    with torch.no_grad():  # the port's forward(input, align_corners=False): scale-factor upsampling
        diff = model(x, align_corners=False) - port_forward(state, x, align_corners=False)
    assert diff.abs().max() <= 1e-5


def test_generator_from_our_other_formats(tmp_path, port_weights) -> None:
    from animegan.weights.io import save_generator

    state, _ = port_weights
    save_generator(state, tmp_path / "generator.safetensors")
    torch.save({"state_dict": {f"generator.{k}": v for k, v in state.items()}}, tmp_path / "last.ckpt")
    for name in ("generator.safetensors", "last.ckpt"):
        assert_port_output(hub("generator", pretrained=str(tmp_path / name)), state)


def test_generator_from_a_url_is_downloaded_once_into_the_hub_cache(tmp_path, port_weights, hub_dir) -> None:
    state, path = port_weights
    served = tmp_path / "served"
    served.mkdir()
    (served / "fabricated.pt").write_bytes(path.read_bytes())
    with serve_folder(served) as base:
        model = hub("generator", pretrained=f"{base}/fabricated.pt", progress=False)
    assert (hub_dir / "checkpoints" / "fabricated.pt").read_bytes() == path.read_bytes()
    assert_port_output(model, state)
    again = hub("generator", pretrained=f"{base}/fabricated.pt", progress=False)  # server gone: from cache
    assert_port_output(again, state)


def test_pretrained_true_and_names_are_the_ports_files(port_weights, hub_dir) -> None:
    """True means face_paint_512_v2; names map to the port's URLs, whose basenames are the hub cache names."""
    sys.path.insert(0, str(REPO))
    try:
        import hubconf
    finally:
        sys.path.remove(str(REPO))
    assert hubconf.KNOWN == {
        name: f"{PORT_URL}/{name}.pt"
        for name in ("celeba_distill", "face_paint_512_v1", "face_paint_512_v2", "paprika")
    }
    state, path = port_weights
    other = port_state_dict(seed=8)
    (hub_dir / "checkpoints").mkdir(parents=True)
    (hub_dir / "checkpoints" / "face_paint_512_v2.pt").write_bytes(path.read_bytes())
    torch.save(other, hub_dir / "checkpoints" / "paprika.pt")
    assert_port_output(hub("generator", progress=False), state)  # pretrained=True by default
    assert_port_output(hub("generator", pretrained="paprika", progress=False), other)
    untrained = hub("generator", pretrained=False)
    assert not torch.equal(untrained.state_dict()["out_layer.0.weight"], state["out_layer.0.weight"])


def test_check_hash_uses_the_hash_prefix_in_the_file_name(tmp_path, port_weights, hub_dir) -> None:
    _, path = port_weights
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    served = tmp_path / "served"
    served.mkdir()
    (served / f"gen-{digest[:8]}.pt").write_bytes(path.read_bytes())
    (served / "gen-deadbeef.pt").write_bytes(path.read_bytes())
    with serve_folder(served) as base:
        hub("generator", pretrained=f"{base}/gen-{digest[:8]}.pt", progress=False)
        with pytest.raises(RuntimeError, match="hash"):
            hub("generator", pretrained=f"{base}/gen-deadbeef.pt", progress=False)
        hub("generator", pretrained=f"{base}/gen-deadbeef.pt", progress=False, check_hash=False)


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch hub_pwned",))


def test_unsafe_and_foreign_files_are_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    torch.save({"weight": _RunsCode()}, tmp_path / "evil.pt")
    with pytest.raises(WeightsError, match="refused"):
        hub("generator", pretrained=str(tmp_path / "evil.pt"))
    assert not (tmp_path / "hub_pwned").exists()
    torch.save({"fc.weight": torch.zeros(2, 2)}, tmp_path / "foreign.pt")
    with pytest.raises(WeightsError, match="not an AnimeGAN v2 generator"):
        hub("generator", pretrained=str(tmp_path / "foreign.pt"))
    with pytest.raises(WeightsError, match="not a released name"):
        hub("generator", pretrained="no_such_model")


def reference_face2paint(state, img: Image.Image, size: int, side_by_side: bool) -> np.ndarray:
    """The port's face2paint written out: centre square, Lanczos resize, [-1, 1], generator, clip, truncate."""
    w, h = img.size
    s = min(w, h)
    square = np.asarray(img)[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
    resized = np.asarray(Image.fromarray(square).resize((size, size), Image.LANCZOS), dtype=np.float32)
    x = torch.from_numpy(resized / 255.0 * 2 - 1).permute(2, 0, 1)[None]
    with torch.no_grad():
        out = port_forward(state, x)[0].permute(1, 2, 0).numpy()
    if side_by_side:
        out = np.concatenate([x[0].permute(1, 2, 0).numpy(), out], axis=1)
    return np.floor(np.clip(out * 0.5 + 0.5, 0, 1) * 255).astype(np.int16)


@pytest.mark.slow
def test_face2paint_crops_resizes_and_sides_by_side(port_weights) -> None:
    from skimage import data

    state, path = port_weights
    model = hub("generator", pretrained=str(path))
    photo = Image.fromarray(data.chelsea())  # 451 x 300, not square
    face2paint = hub("face2paint", size=64)
    out = face2paint(model, photo)
    assert isinstance(out, Image.Image) and out.size == (64, 64) and out.mode == "RGB"
    diff = np.abs(np.asarray(out, dtype=np.int16) - reference_face2paint(state, photo, 64, False))
    assert diff.max() <= 1 and diff.mean() < 0.01
    wide = hub("face2paint", size=48, side_by_side=True)(model, photo)
    assert wide.size == (96, 48)
    diff = np.abs(np.asarray(wide, dtype=np.int16) - reference_face2paint(state, photo, 48, True))
    assert diff.max() <= 1 and diff.mean() < 0.01
    assert face2paint(model, photo, size=32).size == (32, 32)  # per-call override, as in the port


def test_hubconf_works_in_a_checkout_where_animegan_is_not_installed(tmp_path) -> None:
    """torch.hub's github checkout: no .pth files processed (-S), only the dependencies on PYTHONPATH."""
    site = str(Path(torch.__file__).resolve().parents[1])
    code = (
        "import sys, torch; model = torch.hub.load(sys.argv[1], 'generator', source='local', pretrained=False);"
        "import animegan; print(type(model).__name__, animegan.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code, str(REPO)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": site},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    name, location = result.stdout.split()
    assert name == "HubGenerator" and Path(location).is_relative_to(REPO / "src")
