"""FFHQ alignment: geometry of the quad, exact transforms, parity with the original FFHQ recipe, padding."""

from __future__ import annotations

import cv2
import numpy as np
import PIL.Image
import pytest
import scipy.ndimage

from animegan.faces.align import align_face, apply, ffhq_quad
from animegan.faces.detect import FaceDetector


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector("hog")


@pytest.fixture(scope="module")
def astronaut_landmarks(detector, astronaut) -> np.ndarray:
    return detector(astronaut)[0].landmarks


def eye_angle(landmarks: np.ndarray) -> float:
    """Angle of the line from the left eye to the right eye, in degrees (0 = level)."""
    d = landmarks[42:48].mean(axis=0) - landmarks[36:42].mean(axis=0)
    return float(np.degrees(np.arctan2(d[1], d[0])))


def synthetic_landmarks(eye_left, eye_right, mouth_left, mouth_right) -> np.ndarray:
    """68 points where only those the FFHQ quad reads are set: eyes 36-47, mouth corners 48 and 54."""
    lm = np.zeros((68, 2))
    lm[36:42], lm[42:48], lm[48], lm[54] = eye_left, eye_right, mouth_left, mouth_right
    return lm


def ffhq_reference(image: np.ndarray, lm: np.ndarray, output_size: int, expand: float = 1.3) -> np.ndarray:
    """The FFHQ recipe as the PyTorch port runs it (PIL, render at 4096, Lanczos down), kept independent.

    One change: the shrink step maps coordinates with the half-pixel convention of the resize
    ((q + 0.5) * new / old - 0.5) where FFHQ divides by the factor, which shifts its crop by a fraction of a pixel.
    """
    eye_left, eye_right = np.mean(lm[36:42], axis=0), np.mean(lm[42:48], axis=0)
    eye_avg, eye_to_eye = (eye_left + eye_right) * 0.5, eye_right - eye_left
    eye_to_mouth = (lm[48] + lm[54]) * 0.5 - eye_avg
    x = eye_to_eye - np.flipud(eye_to_mouth) * [-1, 1]
    x /= np.hypot(*x)
    x *= max(np.hypot(*eye_to_eye) * 2.0, np.hypot(*eye_to_mouth) * 1.8) * expand
    y = np.flipud(x) * [-1, 1]
    c = eye_avg + eye_to_mouth * 0.1
    quad = np.stack([c - x - y, c - x + y, c + x + y, c + x - y])
    qsize = np.hypot(*x) * 2
    img = PIL.Image.fromarray(image)
    shrink = int(np.floor(qsize / output_size * 0.5))
    if shrink > 1:
        rsize = (int(np.rint(img.size[0] / shrink)), int(np.rint(img.size[1] / shrink)))
        quad = (quad + 0.5) * np.array(rsize) / np.array(img.size) - 0.5
        img = img.resize(rsize, PIL.Image.LANCZOS)
        qsize /= shrink
    border = max(int(np.rint(qsize * 0.1)), 3)
    crop = (
        int(np.floor(min(quad[:, 0]))),
        int(np.floor(min(quad[:, 1]))),
        int(np.ceil(max(quad[:, 0]))),
        int(np.ceil(max(quad[:, 1]))),
    )
    crop = (
        max(crop[0] - border, 0),
        max(crop[1] - border, 0),
        min(crop[2] + border, img.size[0]),
        min(crop[3] + border, img.size[1]),
    )
    if crop[2] - crop[0] < img.size[0] or crop[3] - crop[1] < img.size[1]:
        img = img.crop(crop)
        quad -= crop[0:2]
    pad = (
        int(np.floor(min(quad[:, 0]))),
        int(np.floor(min(quad[:, 1]))),
        int(np.ceil(max(quad[:, 0]))),
        int(np.ceil(max(quad[:, 1]))),
    )
    pad = (
        max(-pad[0] + border, 0),
        max(-pad[1] + border, 0),
        max(pad[2] - img.size[0] + border, 0),
        max(pad[3] - img.size[1] + border, 0),
    )
    if max(pad) > border - 4:
        pad = np.maximum(pad, int(np.rint(qsize * 0.3)))
        img = np.pad(np.float32(img), ((pad[1], pad[3]), (pad[0], pad[2]), (0, 0)), "reflect")
        h, w, _ = img.shape
        yy, xx, _ = np.ogrid[:h, :w, :1]
        mask = np.maximum(
            1.0 - np.minimum(np.float32(xx) / pad[0], np.float32(w - 1 - xx) / pad[2]),
            1.0 - np.minimum(np.float32(yy) / pad[1], np.float32(h - 1 - yy) / pad[3]),
        )
        blur = qsize * 0.02
        img += (scipy.ndimage.gaussian_filter(img, [blur, blur, 0]) - img) * np.clip(
            mask * 3.0 + 1.0, 0.0, 1.0
        )
        img += (np.median(img, axis=(0, 1)) - img) * np.clip(mask, 0.0, 1.0)
        img = PIL.Image.fromarray(np.uint8(np.clip(np.rint(img), 0, 255)), "RGB")
        quad += pad[:2]
    img = img.transform((4096, 4096), PIL.Image.QUAD, (quad + 0.5).flatten(), PIL.Image.BILINEAR)
    return np.asarray(img.resize((output_size, output_size), PIL.Image.LANCZOS))


def test_quad_is_a_square_that_follows_the_face():
    lm = synthetic_landmarks((100, 100), (140, 100), (105, 150), (135, 150))
    quad, qsize = ffhq_quad(lm, expand=1.0)
    sides = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
    assert sides == pytest.approx([qsize] * 4)
    assert np.dot(quad[1] - quad[0], quad[3] - quad[0]) == pytest.approx(0.0, abs=1e-9)
    # eye-to-eye 40, eye-to-mouth 50: side = 2 * max(2 * 40, 1.8 * 50) = 180, centred 0.1 of the way to the mouth
    assert qsize == pytest.approx(180.0)
    assert quad.mean(axis=0) == pytest.approx([120.0, 105.0])
    assert quad[0][1] < quad[1][1]  # first corner top-left, second bottom-left
    assert ffhq_quad(lm, expand=1.3)[1] == pytest.approx(1.3 * 180.0)

    theta = np.deg2rad(25.0)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    turned, turned_size = ffhq_quad(lm @ rot.T + [7.0, -3.0], expand=1.0)
    assert turned_size == pytest.approx(qsize)
    assert turned == pytest.approx(quad @ rot.T + [7.0, -3.0])


def test_astronaut_crop_is_deterministic_and_upright(astronaut, astronaut_landmarks):
    first = align_face(astronaut, astronaut_landmarks, 256)
    second = align_face(astronaut.copy(), astronaut_landmarks.copy(), 256)
    assert first.crop.shape == (256, 256, 3) and first.crop.dtype == np.uint8
    assert np.array_equal(first.crop, second.crop)
    assert abs(eye_angle(first.to_crop(astronaut_landmarks))) < 3.0
    assert np.allclose(first.forward @ first.inverse, np.eye(3))


@pytest.mark.parametrize("angle", [-30.0, 20.0])
def test_rotated_face_comes_out_upright(detector, astronaut, angle):
    rotation = cv2.getRotationMatrix2D((220.0, 121.0), angle, 1.0)
    turned = cv2.warpAffine(astronaut, rotation, (512, 512), borderMode=cv2.BORDER_REFLECT)
    faces = detector(turned)
    assert len(faces) == 1
    assert abs(eye_angle(faces[0].landmarks) + angle) < 6.0  # the face really is turned in the picture
    aligned = align_face(turned, faces[0].landmarks, 128)
    assert abs(eye_angle(aligned.to_crop(faces[0].landmarks))) < 3.0


def test_landmarks_redetected_on_the_crop_map_back_to_the_photo(detector, astronaut, astronaut_landmarks):
    aligned = align_face(astronaut, astronaut_landmarks, 512)
    boxes = detector.detect(aligned.crop)
    assert len(boxes) == 1
    back = aligned.to_image(detector.landmarks(aligned.crop, boxes[0]))
    errors = np.linalg.norm(back - astronaut_landmarks, axis=1)
    assert errors.mean() < 1.0  # sub-pixel on average: crop pixels and the inverse transform agree


def blob_image(shape: tuple[int, int], center: tuple[float, float], sigma: float) -> np.ndarray:
    """Black RGB image with one white Gaussian blob centred at the sub-pixel ``center`` (x, y)."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    blob = np.exp(-((xx - center[0]) ** 2 + (yy - center[1]) ** 2) / (2 * sigma**2))
    return np.repeat(np.rint(blob * 255).astype(np.uint8)[..., None], 3, axis=2)


def centroid(crop: np.ndarray, near: np.ndarray, radius: float) -> np.ndarray:
    """Intensity-weighted centre of the crop within ``radius`` of ``near``."""
    gray = crop[..., 0].astype(np.float64)
    yy, xx = np.mgrid[: gray.shape[0], : gray.shape[1]]
    weight = gray * ((xx - near[0]) ** 2 + (yy - near[1]) ** 2 < radius**2)
    return np.array([(weight * xx).sum(), (weight * yy).sum()]) / weight.sum()


@pytest.mark.parametrize(
    ("shape", "scale", "offset", "size", "path"),
    [
        ((420, 420), 1.0, (80.0, 80.0), 256, "enlarge"),
        ((1600, 1600), 5.0, (100.0, 100.0), 64, "shrink"),
        ((300, 215), 1.0, (0.0, 0.0), 128, "pad"),
    ],
)
def test_inverse_transform_is_exact_to_a_fraction_of_a_pixel(shape, scale, offset, size, path):
    theta = np.deg2rad(17.0)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    base = np.array([[-20.0, -15.0], [20.0, -15.0], [-15.0, 25.0], [15.0, 25.0]]) @ rot.T * scale
    anchor = np.array([130.3, 141.7]) * scale + offset
    points = base + anchor
    lm = synthetic_landmarks(*points)
    blob_at = anchor + np.array([-6.4, 3.9]) * scale
    image = blob_image(shape, tuple(blob_at), sigma=3.0 * scale)
    aligned = align_face(image, lm, size)
    assert aligned.padded == (path == "pad")
    expected_in_crop = aligned.to_crop(blob_at[None])[0]
    pixel = aligned.qsize / size  # image pixels per crop pixel
    sigma_crop = 3.0 * scale / pixel
    found = centroid(aligned.crop, expected_in_crop, radius=4 * sigma_crop)
    error_in_image_pixels = np.linalg.norm(aligned.to_image(found[None])[0] - blob_at)
    assert error_in_image_pixels < 0.1 * max(pixel, 1.0)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["padded at the top", "inside the picture", "shrunk first"])
def test_parity_with_the_ffhq_recipe(detector, astronaut, astronaut_landmarks, case):
    if case == "padded at the top":
        image, lm, size = astronaut, astronaut_landmarks, 512
    elif case == "inside the picture":
        image = np.pad(astronaut, ((150, 150), (150, 150), (0, 0)), mode="edge")
        image, lm, size = image, astronaut_landmarks + 150, 256
    else:
        image = cv2.resize(astronaut, (1024, 1024), interpolation=cv2.INTER_CUBIC)
        lm, size = detector(image)[0].landmarks, 64
    ours = align_face(image, lm, size)
    assert ours.padded == (case != "inside the picture")
    reference = ffhq_reference(image, lm, size).astype(np.float64)
    difference = np.abs(ours.crop.astype(np.float64) - reference)
    # measured: mean 0.5-1.7 grey levels, from the Gaussian pre-filter in place of the 4096 render + Lanczos
    assert difference.mean() < 2.5
    assert np.percentile(difference, 95) < 8


def test_face_cut_by_the_border_uses_the_padding_path(detector, astronaut):
    cut = np.ascontiguousarray(astronaut[:, 195:])  # the left third of the face is outside the picture
    faces = detector(cut)
    assert len(faces) == 1 and faces[0].box.left < 0
    aligned = align_face(cut, faces[0].landmarks, 128)
    assert aligned.padded
    # the part of the crop that maps outside the picture is filled (blurred reflection), not left black
    jj, ii = np.meshgrid(np.arange(128), np.arange(128))
    source = apply(aligned.inverse, np.stack([jj.ravel(), ii.ravel()], axis=1))
    outside = (source[:, 0] < -2).reshape(128, 128)
    assert outside.mean() > 0.1
    assert aligned.crop[outside].mean() > 60
    inside = (source[:, 0] > 2).reshape(128, 128)
    assert aligned.crop[inside].std() > aligned.crop[outside].std()  # the padding is the blurred part
