"""FacePaster in video mode: a moving astronaut keeps her pasted face, with less landmark jitter than per-frame
detection, and detection runs only every few frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from animegan.faces.detect import FaceDetector
from animegan.faces.paste import FacePaster, PasteOptions
from animegan.faces.track import OneEuroFilter, TrackingOptions

FRAMES = 16
VELOCITY = np.array([2.3, 1.1])  # pixels per frame, sub-pixel so that every frame is resampled


def invert(rgb: np.ndarray) -> np.ndarray:
    return 255 - rgb


class CountingDetector(FaceDetector):
    """A HOG detector that counts how often the (expensive) detection runs."""

    def __init__(self) -> None:
        super().__init__("hog")
        self.detections = 0

    def detect(self, rgb):
        self.detections += 1
        return super().detect(rgb)


@pytest.fixture(scope="module")
def moving_astronaut(astronaut) -> list[np.ndarray]:
    """The astronaut photo sliding right and down by VELOCITY each frame (edges reflected)."""
    return [
        cv2.warpAffine(
            astronaut,
            np.float32([[1, 0, VELOCITY[0] * t], [0, 1, VELOCITY[1] * t]]),
            (512, 512),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT,
        )
        for t in range(FRAMES)
    ]


def run_video(frames, video: bool):
    detector = CountingDetector()
    paster = FacePaster(invert, detector=detector, video=video)
    landmarks, notes_seen, changed = [], [], []
    for frame in frames:
        out, notes = paster(frame, frame)
        notes_seen += notes
        changed.append(int(np.any(out != frame, axis=2).sum()))
        landmarks.append(paster.last_faces[0].face.landmarks if paster.last_faces else None)
    return paster, detector, landmarks, notes_seen, changed


def jitter(landmarks: list[np.ndarray]) -> float:
    """RMS over frames and points of the frame-to-frame landmark motion minus the true motion (pixels)."""
    steps = np.diff(np.stack(landmarks), axis=0) - VELOCITY
    return float(np.sqrt((np.linalg.norm(steps, axis=-1) ** 2).mean()))


@pytest.fixture(scope="module")
def per_frame_run(moving_astronaut):
    return run_video(moving_astronaut, video=False)


@pytest.fixture(scope="module")
def tracked_run(moving_astronaut):
    return run_video(moving_astronaut, video=True)


def test_the_face_stays_pasted_in_every_frame(tracked_run):
    paster, detector, landmarks, notes, changed = tracked_run
    assert notes == []
    assert all(lm is not None for lm in landmarks)
    assert min(changed) > 2000
    assert paster.timings.frames == FRAMES
    every = paster.options.tracking.detect_every
    assert detector.detections == -(-FRAMES // every)  # detection every `detect_every` frames only
    assert paster.timings.per_frame()["track"] > 0


def test_pasted_face_follows_the_motion(tracked_run):
    landmarks = tracked_run[2]
    travelled = landmarks[-1].mean(axis=0) - landmarks[0].mean(axis=0)
    assert travelled == pytest.approx(VELOCITY * (FRAMES - 1), abs=1.5)


def test_tracking_and_smoothing_reduce_landmark_jitter(per_frame_run, tracked_run, record_property):
    raw, smooth = jitter(per_frame_run[2]), jitter(tracked_run[2])
    record_property("landmark_jitter_px_per_frame_detection", round(raw, 3))
    record_property("landmark_jitter_px_tracked_smoothed", round(smooth, 3))
    print(
        f"\nlandmark jitter (px RMS per frame): per-frame detection {raw:.3f}, tracked + smoothed {smooth:.3f}"
    )
    # measured: ~0.75 px with detection on every frame, ~0.15 px tracked and smoothed
    assert smooth < 0.5 * raw
    assert smooth < 0.4


def test_a_face_that_leaves_is_dropped(moving_astronaut, coffee):
    options = PasteOptions(tracking=TrackingOptions(detect_every=3))
    paster = FacePaster(invert, detector=FaceDetector("hog"), video=True, options=options)
    for frame in moving_astronaut[:4]:
        assert paster(frame, frame)[1] == []
    empty = np.ascontiguousarray(cv2.resize(coffee, (512, 512)))
    notes = [paster(empty, empty)[1] for _ in range(2 * 3 + 1)]
    assert notes[-1] == ["no face found"]


def test_one_euro_filter_passes_still_points_and_smooths_noise():
    rng = np.random.default_rng(0)
    still = rng.uniform(0, 100, size=(68, 2))
    noisy = [still + rng.normal(0, 1.0, still.shape) for _ in range(40)]
    for beta, bound in ((4.0, 0.6), (0.0, 0.35)):  # noise reads as speed: beta > 0 smooths it less
        smoother = OneEuroFilter(min_cutoff=0.03, beta=beta, derivative_cutoff=0.2)
        outputs = [smoother(points, scale=70.0) for points in noisy]
        assert (np.stack(outputs[10:]) - still).std() < bound  # 1 px of noise reduced
    # with a motion prior, a steady translation is followed without lag
    smoother = OneEuroFilter(min_cutoff=0.03, beta=4.0, derivative_cutoff=0.2)
    shift = np.array([3.0, -2.0])
    value = smoother(still, scale=70.0)
    for t in range(1, 10):
        value = smoother(still + shift * t, scale=70.0, prior=value + shift)
    assert value == pytest.approx(still + shift * 9)
