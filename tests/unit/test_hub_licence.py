"""The licence a run's card states follows from its data and starting weights: non-commercial wherever
AnimeGAN's data sets or the authors' weights went in, MIT for the offline demo, unknown otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from animegan.data.download.datasets import REGISTRY
from animegan.hub.provenance import ImageSet, image_sets, licence_for

OWN = ImageSet("MyFrames", 10, None)
PHOTOS = ImageSet("train_photo", 10, None)


@pytest.mark.parametrize(
    ("style", "photos", "init", "hub_id"),
    [
        (ImageSet("Hayao", 1, None), PHOTOS, None, "other"),
        (ImageSet("Shinkai-v1", 1, None), PHOTOS, None, "other"),
        (OWN, ImageSet("train_photo", 1, None, (REGISTRY["photos"].url,)), None, "other"),
        (OWN, PHOTOS, "paprika", "other"),  # the authors' TF weights
        (OWN, PHOTOS, "paprika_port", "other"),  # the port's conversion of them
        (ImageSet("Demo", 1, None), PHOTOS, "face_paint_512_v2", "mit"),  # MIT port weights, demo data
        (ImageSet("Demo", 1, None), PHOTOS, None, "mit"),
        (OWN, PHOTOS, None, "unknown"),
        (ImageSet("Demo", 1, None), PHOTOS, "hf://bob/base", "unknown"),
        (ImageSet("Demo", 1, None), PHOTOS, "/home/u/.cache/animegan/weights/hayao.safetensors", "other"),
        (ImageSet("Demo", 1, None), PHOTOS, "/runs/a/generator.pt", "unknown"),
    ],
)
def test_licence_follows_data_and_weights(
    style: ImageSet, photos: ImageSet, init: str | None, hub_id: str
) -> None:
    licence = licence_for(style, photos, init)
    assert licence.hub_id == hub_id and licence.reasons
    if hub_id == "other":
        assert licence.name == "animegan-non-commercial" and "non-commercial" in licence.text


def test_downloads_recorded_beside_the_data_name_the_sets(tmp_path: Path) -> None:
    (tmp_path / ".downloads").mkdir()
    hashes = {
        REGISTRY["Hayao"].url: "a" * 64,
        REGISTRY["photos"].url: "b" * 64,
        REGISTRY["vgg19"].url: "c" * 64,
    }
    (tmp_path / ".downloads" / "sha256.json").write_text(json.dumps(hashes))
    (tmp_path / "Hayao").mkdir()
    (tmp_path / "Hayao" / "dataset.json").write_text(
        json.dumps({"n_style": 7, "n_photos": 5, "sha256_style": "d"})
    )
    style, photos = image_sets(tmp_path, "Hayao")
    assert style == ImageSet("Hayao", 7, "d", (REGISTRY["Hayao"].url,))
    assert photos == ImageSet("train_photo", 5, None, (REGISTRY["photos"].url,))
