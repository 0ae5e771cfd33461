"""download over 127.0.0.1 only: install into the layout, resume after truncation, refuse malicious archives."""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from animegan.cli import download as download_cli
from animegan.data.download.archives import extract_archive
from animegan.data.download.datasets import REGISTRY, fetch_and_install
from animegan.errors import DownloadError
from animegan.fetch import sha256_of


class Files:
    """What the loopback server serves; ``truncate_once`` names a file whose next response stops half way."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.truncate_once: set[str] = set()
        self.ranges: list[str | None] = []


def make_handler(files: Files) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            name = self.path.lstrip("/")
            if name not in files.data:
                self.send_error(404)
                return
            body = files.data[name]
            start = 0
            header = self.headers.get("Range")
            files.ranges.append(header)
            if header:
                start = int(header.removeprefix("bytes=").split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            if name in files.truncate_once:
                files.truncate_once.discard(name)
                self.wfile.write(body[start : start + (len(body) - start) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body[start:])

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Files]]:
    files = Files()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(files))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", files
    httpd.shutdown()
    httpd.server_close()


def png_bytes(seed: int, size: int = 24) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)).save(
        buffer, "PNG"
    )
    return buffer.getvalue()


def tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="animegan")
    download_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_v2_style_set_installed_and_prepared(server, tmp_path: Path, capsys) -> None:
    url, files = server
    files.data["Hayao.tar.gz"] = tar_gz({f"Hayao/style/{i}.png": png_bytes(i) for i in range(3)})
    root = tmp_path / "data"
    code = run_cli(
        [
            "download",
            "Hayao",
            "--root",
            str(root),
            "--url",
            f"{url}/Hayao.tar.gz",
            "--quiet",
            "--workers",
            "1",
        ]
    )
    assert code == 0
    assert sorted(p.name for p in (root / "Hayao" / "style").iterdir()) == ["0.png", "1.png", "2.png"]
    assert (root / "Hayao" / "style" / "1.png").read_bytes() == png_bytes(1)
    assert sorted(p.name for p in (root / "Hayao" / "smooth").iterdir()) == ["0.png", "1.png", "2.png"]
    assert json.loads((root / "Hayao" / "dataset.json").read_text())["n_style"] == 3
    digest = sha256_of_bytes(files.data["Hayao.tar.gz"])
    assert digest in capsys.readouterr().out
    assert json.loads((root / ".downloads" / "sha256.json").read_text()) == {f"{url}/Hayao.tar.gz": digest}
    assert not (root / ".downloads" / "Hayao.tar.gz").exists()  # archive removed after install


def sha256_of_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_recorded_hash_is_enforced(server, tmp_path: Path) -> None:
    url, files = server
    files.data["s.tar.gz"] = tar_gz({"style/a.png": png_bytes(0)})
    source = dataclasses.replace(REGISTRY["Shinkai"], url=f"{url}/s.tar.gz")
    fetch_and_install([source], tmp_path, quiet=True, log=lambda _: None)
    files.data["s.tar.gz"] = tar_gz({"style/a.png": png_bytes(1)})
    with pytest.raises(DownloadError, match="does not match"):
        fetch_and_install([source], tmp_path, quiet=True, log=lambda _: None)
    assert (tmp_path / "Shinkai" / "style" / "a.png").read_bytes() == png_bytes(0)


def test_truncated_transfer_then_resume(server, tmp_path: Path) -> None:
    url, files = server
    payload = np.random.default_rng(1).integers(0, 256, 300_000, dtype=np.uint8).tobytes()
    files.data["vgg19.npy"] = payload
    files.truncate_once.add("vgg19.npy")
    argv = ["download", "vgg19", "--root", str(tmp_path), "--url", f"{url}/vgg19.npy", "--quiet"]
    with pytest.raises(DownloadError, match="truncated|interrupted"):
        run_cli(argv)
    part = tmp_path / "vgg19.npy.part"
    assert part.is_file() and 0 < part.stat().st_size < len(payload)
    assert not (tmp_path / "vgg19.npy").exists()
    assert run_cli(argv) == 0
    assert files.ranges[-1] == f"bytes={len(payload) // 2}-"  # resumed, not restarted
    assert (tmp_path / "vgg19.npy").read_bytes() == payload and not part.exists()
    assert sha256_of(tmp_path / "vgg19.npy") == sha256_of_bytes(payload)


def test_zip_with_shared_archive_installs_photos_and_v1_style(server, tmp_path: Path) -> None:
    url, files = server
    files.data["dataset.zip"] = zip_bytes(
        {
            "dataset/train_photo/p.png": png_bytes(1),
            "dataset/val/v.png": png_bytes(2),
            "dataset/Hayao/style/s.png": png_bytes(3),
            "dataset/Hayao/smooth/s.png": png_bytes(4),
            "dataset/Paprika/style/q.png": png_bytes(5),
        }
    )
    sources = [
        dataclasses.replace(REGISTRY[name], url=f"{url}/dataset.zip") for name in ("photos", "Hayao-v1")
    ]
    fetch_and_install(sources, tmp_path, quiet=True, log=lambda _: None)
    assert files.ranges == [None]  # one transfer for both names
    assert (tmp_path / "train_photo" / "p.png").read_bytes() == png_bytes(1)
    assert (tmp_path / "val" / "v.png").is_file()
    assert (tmp_path / "Hayao-v1" / "style" / "s.png").read_bytes() == png_bytes(3)
    assert (tmp_path / "Hayao-v1" / "dataset.json").is_file() and not (tmp_path / "Paprika").exists()


@pytest.mark.parametrize(
    "kind",
    [
        "zip_dotdot",
        "zip_absolute",
        "zip_symlink",
        "tar_dotdot",
        "tar_absolute",
        "tar_symlink",
        "tar_hardlink",
    ],
)
def test_malicious_archives_are_refused(tmp_path: Path, kind: str) -> None:
    archive = tmp_path / ("evil.zip" if kind.startswith("zip") else "evil.tar.gz")
    good = {"style/ok.png": png_bytes(0)}
    if kind == "zip_dotdot":
        archive.write_bytes(zip_bytes(good | {"style/../../escaped.txt": b"x"}))
    elif kind == "zip_absolute":
        archive.write_bytes(zip_bytes(good | {str(tmp_path / "escaped.txt"): b"x"}))
    elif kind == "zip_symlink":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("style/ok.png", png_bytes(0))
            link = zipfile.ZipInfo("style/link")
            link.external_attr = 0o120777 << 16
            zf.writestr(link, "/etc/passwd")
        archive.write_bytes(buffer.getvalue())
    else:
        with tarfile.open(archive, "w:gz") as tf:
            info = tarfile.TarInfo("style/ok.png")
            info.size = len(png_bytes(0))
            tf.addfile(info, io.BytesIO(png_bytes(0)))
            if kind in ("tar_dotdot", "tar_absolute"):
                name = "../escaped.txt" if kind == "tar_dotdot" else str(tmp_path / "escaped.txt")
                evil = tarfile.TarInfo(name)
                evil.size = 1
                tf.addfile(evil, io.BytesIO(b"x"))
            else:
                evil = tarfile.TarInfo("style/link")
                evil.type = tarfile.SYMTYPE if kind == "tar_symlink" else tarfile.LNKTYPE
                evil.linkname = "/etc/passwd"
                tf.addfile(evil)
    target = tmp_path / "out" / "target"
    with pytest.raises(DownloadError, match="refused"):
        extract_archive(archive, target, quiet=True)
    assert not any(target.rglob("*")), "nothing may be extracted from a refused archive"
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "out" / "escaped.txt").exists()


def test_cli_usage_errors(tmp_path: Path) -> None:
    assert run_cli(["download", "NoSuchSet", "--root", str(tmp_path)]) == 2
    assert (
        run_cli(["download", "Hayao", "Shinkai", "--root", str(tmp_path), "--url", "http://127.0.0.1:9/x"])
        == 2
    )


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as error:
        run_cli(
            ["download", "vgg19", "--root", str(tmp_path), "--url", "http://127.0.0.1:9/vgg19.npy", "--quiet"]
        )
    assert "\n" not in str(error.value) and "127.0.0.1" in str(error.value)


def test_registry_names_the_public_release_assets() -> None:
    assert REGISTRY["photos"].url.endswith("/AnimeGAN/releases/download/dataset-1/dataset.zip")
    for style in ("Hayao", "Paprika", "Shinkai", "SummerWar"):
        assert REGISTRY[f"{style}-v1"].url == REGISTRY["photos"].url
    for style in ("Hayao", "Shinkai", "Paprika"):
        assert REGISTRY[style].url.endswith(f"/AnimeGANv2/releases/download/1.0/{style}.tar.gz")
    assert REGISTRY["vgg19"].url.endswith("/vgg19.npy") and REGISTRY["vgg19"].installs == ()


def test_downloaded_vgg19_is_where_the_presets_look(server, tmp_path: Path, cfg) -> None:
    """`animegan download vgg19 --root DIR` writes the file `experiment=hayao data.root=DIR` trains with."""
    import torch

    from animegan.nets import VGGFeatures
    from animegan.weights.vgg import CAFFE_LAYER_NAMES, load_vgg

    url, files = server
    rng = np.random.default_rng(0)
    fabricated = {  # random weights in the Caffe layout (kh, kw, in, out): fabricated, not the real VGG19
        name: [rng.standard_normal((*conv.weight.shape[2:], conv.weight.shape[1], conv.weight.shape[0])).astype(np.float32),
               rng.standard_normal(conv.weight.shape[0]).astype(np.float32)]
        for name, conv in zip(CAFFE_LAYER_NAMES, VGGFeatures().convs(), strict=True)
    }  # fmt: skip
    buffer = io.BytesIO()
    np.save(buffer, fabricated, allow_pickle=True)
    files.data["vgg19.npy"] = buffer.getvalue()
    argv = ["download", "vgg19", "--root", str(tmp_path / "data"), "--url", f"{url}/vgg19.npy", "--quiet"]
    assert run_cli(argv) == 0
    weights = cfg("experiment=hayao", f"data.root={tmp_path / 'data'}").model.vgg.weights
    assert Path(weights) == tmp_path / "data" / "vgg19.npy"
    vgg = load_vgg(weights)
    assert vgg.convention == "caffe"
    conv4_4 = vgg.convs()[-1].weight
    torch.testing.assert_close(conv4_4, torch.from_numpy(fabricated["conv4_4"][0]).permute(3, 2, 0, 1))
