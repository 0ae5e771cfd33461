"""Face detection and landmarks on real photos; model files located without importing their package."""

from __future__ import annotations

import importlib.util
import sys
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from animegan.errors import InputError, WeightsError
from animegan.faces.detect import CNN_MODEL, LANDMARKS_MODEL, Box, FaceDetector, model_file

# Where the astronaut's face is (by eye, in scikit-image's 512x512 photo): a box around x 175-265, y 76-167.
ASTRONAUT_FACE_CENTER = np.array([220.0, 121.0])


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector("hog")


@pytest.fixture(scope="module")
def astronaut_faces(detector, astronaut):
    return detector(astronaut)


def test_model_files_found_without_importing_their_package(monkeypatch):
    monkeypatch.delitem(sys.modules, "face_recognition_models", raising=False)
    for name in (LANDMARKS_MODEL, CNN_MODEL):
        path = model_file(name)
        assert path.is_file() and path.stat().st_size > 100_000
        assert path.parent.parent.name == "face_recognition_models"
    assert "face_recognition_models" not in sys.modules


def test_missing_package_names_it_in_one_line(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(WeightsError) as info:
        model_file(LANDMARKS_MODEL)
    message = str(info.value)
    assert "face-recognition-models" in message and LANDMARKS_MODEL in message and "\n" not in message


def test_missing_model_file_in_installed_package(monkeypatch, tmp_path):
    (tmp_path / "models").mkdir()
    fake = SimpleNamespace(submodule_search_locations=[str(tmp_path)])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: fake)
    with pytest.raises(WeightsError, match="pip install face-recognition-models"):
        model_file(CNN_MODEL)


def test_unknown_detector_is_one_clear_line():
    with pytest.raises(InputError, match="expected one of hog, cnn"):
        FaceDetector("haar")


def test_astronaut_face_detected_with_68_landmarks_in_its_box(astronaut_faces):
    assert len(astronaut_faces) == 1
    face = astronaut_faces[0]
    assert np.linalg.norm(face.box.center - ASTRONAUT_FACE_CENTER) < 20
    assert 70 < face.box.size < 130
    assert face.landmarks.shape == (68, 2)
    margin = 0.15 * face.box.size  # dlib's chin and jaw points may sit just outside its box
    assert (face.landmarks[:, 0] > face.box.left - margin).all()
    assert (face.landmarks[:, 0] < face.box.right + margin).all()
    assert (face.landmarks[:, 1] > face.box.top - margin).all()
    assert (face.landmarks[:, 1] < face.box.bottom + margin).all()
    eyes_y = face.landmarks[36:48, 1].mean()
    assert eyes_y < face.landmarks[48:68, 1].mean() < face.landmarks[8, 1]  # eyes above mouth above chin


def test_min_score_drops_the_badge_false_positive(detector, astronaut):
    # dlib's HOG finds a second, weak "face" on the mission badge of the suit; the score threshold drops it
    permissive = FaceDetector("hog", min_score=-1.0)
    boxes = permissive.detect(astronaut)
    assert len(boxes) == 2
    weak = min(boxes, key=lambda b: b.score)
    assert weak.score < detector.min_score and weak.center[1] > 300


def test_no_face_in_coffee(detector, coffee):
    assert detector(coffee) == []


def test_large_images_are_detected_at_max_side_and_mapped_back(astronaut, astronaut_faces):
    big = cv2.resize(astronaut, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    boxes = FaceDetector("hog", max_side=512).detect(big)
    assert len(boxes) == 1
    expected = astronaut_faces[0].box.scaled(2.0)
    assert boxes[0].iou(expected) > 0.8


def test_box_helpers():
    box = Box(10, 20, 30, 60)
    assert (box.width, box.height, box.size) == (20, 40, 40)
    assert box.iou(box) == pytest.approx(1.0)
    assert box.iou(Box(100, 100, 120, 120)) == 0.0
    theta = np.deg2rad(90)
    rotation = np.array([[np.cos(theta), -np.sin(theta), 5.0], [np.sin(theta), np.cos(theta), 0.0]]) * 2
    moved = box.moved(rotation)
    assert moved.center == pytest.approx(rotation[:, :2] @ box.center + rotation[:, 2])
    assert moved.width == pytest.approx(box.width * 2)


@pytest.mark.slow
def test_cnn_detector_finds_the_astronaut(astronaut):
    boxes = FaceDetector("cnn", upsample=0).detect(astronaut)
    assert len(boxes) == 1
    assert np.linalg.norm(boxes[0].center - ASTRONAUT_FACE_CENTER) < 20
