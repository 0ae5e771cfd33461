"""FacePaster on still photos: faces pasted through a feathered mask, exact elsewhere, notes for the rest."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from animegan.errors import AnimeGANError, InputError
from animegan.faces.align import apply
from animegan.faces.detect import FaceDetector
from animegan.faces.paste import FacePaster, PasteOptions, feathered_ellipse


def invert(rgb: np.ndarray) -> np.ndarray:
    """A face 'model' that is easy to recognise: the photographic negative."""
    return 255 - rgb


def plain_stylization(rgb: np.ndarray) -> np.ndarray:
    """Stand-in for the whole-frame model: darker and bluish, deterministic."""
    return (rgb.astype(np.uint16) * [1, 2, 3] // 4).astype(np.uint8)


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector("hog")


@pytest.fixture(scope="module")
def pasted_astronaut(detector, astronaut):
    calls = []

    def face_model(crop):
        calls.append(crop.shape)
        return invert(crop)

    paster = FacePaster(face_model, detector=detector)
    stylized = plain_stylization(astronaut)
    out, notes = paster(astronaut, stylized)
    return paster, stylized, out, notes, calls


def ellipse_distance(paster: FacePaster, shape: tuple[int, int]) -> np.ndarray:
    """Normalised elliptical radius of every image pixel in the crop of the last pasted face (1 = mask edge)."""
    opts = paster.options
    aligned = paster.last_faces[0].aligned
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    crop_xy = apply(aligned.forward, np.stack([xx.ravel(), yy.ravel()], axis=1))
    u = (crop_xy + 0.5) / opts.size
    d = np.hypot(
        (u[:, 0] - opts.mask_center[0]) / opts.mask_radii[0],
        (u[:, 1] - opts.mask_center[1]) / opts.mask_radii[1],
    )
    return d.reshape(shape)


def test_feathered_ellipse_is_zero_outside_and_one_inside():
    size = 200
    mask = feathered_ellipse(size, (0.5, 0.55), (0.3, 0.4), feather=0.3)
    assert mask.dtype == np.float32 and mask.shape == (size, size)
    assert mask.min() == 0.0 and mask.max() == pytest.approx(1.0)
    coords = (np.arange(size) + 0.5) / size
    d = np.hypot((coords[None, :] - 0.5) / 0.3, (coords[:, None] - 0.55) / 0.4)
    assert (mask[d >= 1.0] == 0).all()
    assert mask[d <= 0.7] == pytest.approx(1.0)
    ring = (d > 0.75) & (d < 0.95)
    assert ((mask[ring] > 0) & (mask[ring] < 1)).all()
    assert mask[0].max() == 0 and mask[:, 0].max() == 0  # a band of zeros all round the crop


def test_astronaut_face_is_pasted_and_the_rest_is_exactly_the_plain_stylization(pasted_astronaut, astronaut):
    paster, stylized, out, notes, calls = pasted_astronaut
    assert notes == []
    assert calls == [(512, 512, 3)]
    assert len(paster.last_faces) == 1
    d = ellipse_distance(paster, astronaut.shape[:2])
    changed = np.any(out != stylized, axis=2)
    # every changed pixel lies inside the ellipse (plus a crop pixel for bilinear sampling)
    margin = 1.5 / (paster.options.size * min(paster.options.mask_radii))
    assert changed.sum() > 2000
    assert (d[changed] < 1.0 + margin).all()
    assert np.array_equal(out[d >= 1.0 + margin], stylized[d >= 1.0 + margin])
    # in the core of the mask the face model's output (the negative of the photo) is what we see
    core = d < 0.5
    error = np.abs(out[core].astype(float) - (255.0 - astronaut[core]))
    assert error.mean() < 6.0


def test_paste_is_deterministic(pasted_astronaut, detector, astronaut):
    _, stylized, out, _, _ = pasted_astronaut
    again, _ = FacePaster(invert, detector=detector)(astronaut, stylized)
    assert np.array_equal(out, again)


def test_timings_are_recorded_per_stage(pasted_astronaut):
    paster = pasted_astronaut[0]
    per_frame = paster.timings.per_frame()
    assert paster.timings.frames == 1
    for stage in ("detect", "landmarks", "align", "face_model", "paste"):
        assert per_frame[stage] >= 0.0
    assert per_frame["total"] == pytest.approx(sum(v for k, v in per_frame.items() if k != "total"))
    assert "s/frame" in paster.timings.summary()


def test_no_face_gives_the_plain_stylization_and_a_note(detector, coffee):
    stylized = plain_stylization(coffee)
    out, notes = FacePaster(invert, detector=detector)(coffee, stylized)
    assert notes == ["no face found"]
    assert np.array_equal(out, stylized)


def test_tiny_faces_are_skipped_with_a_note(detector, astronaut):
    small = cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA)  # the face becomes ~45 px
    stylized = plain_stylization(small)
    paster = FacePaster(invert, detector=detector)
    out, notes = paster(small, stylized)
    assert len(notes) == 1 and notes[0].startswith("skipped a face of ") and notes[0].endswith("(< 64 px)")
    size = int(notes[0].split()[4])
    assert 35 <= size < 64
    assert np.array_equal(out, stylized)
    # a lower threshold pastes it
    out, notes = FacePaster(invert, detector=detector, options=PasteOptions(min_face_px=32))(small, stylized)
    assert notes == [] and not np.array_equal(out, stylized)


def test_several_faces_are_all_pasted(detector, astronaut):
    two = np.ascontiguousarray(np.concatenate([astronaut, astronaut[:, ::-1]], axis=1))
    stylized = plain_stylization(two)
    paster = FacePaster(invert, detector=detector)
    out, notes = paster(two, stylized)
    assert notes == [] and len(paster.last_faces) == 2
    changed = np.any(out != stylized, axis=2)
    assert changed[:, :512].sum() > 2000 and changed[:, 512:].sum() > 2000
    # mirror image in, mirror image out (up to resampling)
    left, right = out[:, :512].astype(float), out[:, 512:][:, ::-1].astype(float)
    assert np.abs(left - right)[changed[:, :512]].mean() < 8.0


def test_face_cut_by_the_border_is_pasted_inside_the_picture(detector, astronaut):
    cut = np.ascontiguousarray(astronaut[:, 195:])
    stylized = plain_stylization(cut)
    paster = FacePaster(invert, detector=detector)
    out, notes = paster(cut, stylized)
    assert notes == [] and paster.last_faces[0].aligned.padded
    assert out.shape == cut.shape
    changed = np.any(out != stylized, axis=2)
    assert changed[:, :5].any()  # the pasted face reaches the left edge


def test_rotated_face_is_pasted_where_it_is(detector, astronaut):
    rotation = cv2.getRotationMatrix2D((220.0, 121.0), 25.0, 1.0)
    turned = cv2.warpAffine(astronaut, rotation, (512, 512), borderMode=cv2.BORDER_REFLECT)
    stylized = plain_stylization(turned)
    paster = FacePaster(invert, detector=detector)
    out, notes = paster(turned, stylized)
    assert notes == []
    d = ellipse_distance(paster, turned.shape[:2])
    core = d < 0.5
    assert np.abs(out[core].astype(float) - (255.0 - turned[core])).mean() < 6.0


def test_mismatched_pictures_and_bad_face_models_fail_clearly(detector, astronaut):
    with pytest.raises(InputError, match="one size"):
        FacePaster(invert, detector=detector)(astronaut, astronaut[:100])
    with pytest.raises(InputError, match="uint8"):
        FacePaster(invert, detector=detector)(astronaut.astype(np.float32), astronaut.astype(np.float32))
    with pytest.raises(AnimeGANError, match="face model returned"):
        FacePaster(lambda crop: crop[:10], detector=detector)(astronaut, astronaut)
