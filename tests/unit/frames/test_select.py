"""Frame choice: content cuts (PySceneDetect's formula written out in numpy), black/fade, bars, squares, blur,
bounded per-shot keeping, near-duplicates."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from helpers.anime_clips import drawing

from animegan.frames.options import FrameOptions
from animegan.frames.select import (
    Candidate,
    NearDuplicates,
    ShotBest,
    ShotDetector,
    is_blank,
    letterbox,
    sharpness,
    to_square,
    without_bars,
)


def reference_content_value(a: np.ndarray, b: np.ndarray) -> float:
    """ContentDetector's content_val: mean of the per-channel mean |delta| of H, S, V (OpenCV HSV of BGR)."""
    ha, hb = (
        cv2.cvtColor(np.ascontiguousarray(x[..., ::-1]), cv2.COLOR_BGR2HSV).astype(float) for x in (a, b)
    )
    return float(np.mean([np.abs(ha[..., c] - hb[..., c]).sum() / ha[..., c].size for c in range(3)]))


def test_content_score_and_cuts() -> None:
    a, b = drawing(1, 60, 80)[:, :80], drawing(2, 60, 80)[:, :80]
    hsv = [cv2.cvtColor(x, cv2.COLOR_RGB2HSV) for x in (a, b)]
    assert ShotDetector.score(*hsv) == pytest.approx(reference_content_value(a, b))
    detector = ShotDetector(threshold=27.0, min_frames=3)
    shifted = drawing(1, 60, 80)[:, 2:82]
    flags = [detector.is_cut(f) for f in (a, shifted, a, shifted, b, b, a)]
    assert flags == [False, False, False, False, True, False, False]  # the last cut comes too soon after b


def test_blank_frames_and_fades() -> None:
    picture = drawing(3, 60, 80)[:, :80]
    assert is_blank(np.zeros_like(picture)) and is_blank(np.full_like(picture, 128))  # black, flat
    assert is_blank((picture * 0.1).astype(np.uint8))  # deep into a fade to black
    assert not is_blank(picture)


def test_letterbox_and_pillarbox_bars_are_cut() -> None:
    content = drawing(4, 72, 120)[:, :120]
    framed = np.zeros((100, 140, 3), np.uint8)
    framed[14:86, 10:130] = content
    assert letterbox(framed) == (14, 10)
    assert np.array_equal(without_bars(framed), content)
    dark_sky = content.copy()
    dark_sky[:10] = 0  # dark at the top only: not a bar
    assert letterbox(dark_sky) == (0, 0)
    assert letterbox(np.zeros((100, 140, 3), np.uint8)) == (0, 0)  # a black frame is not all bars


def test_square_crop_and_resize() -> None:
    frame = np.zeros((90, 160, 3), np.uint8)
    frame[:, 35:125] = 255  # the centre square is white
    assert to_square(frame, 64).shape == (64, 64, 3)
    assert to_square(frame, 64).min() == 255
    squeezed = to_square(frame, 64, fit="resize")
    assert squeezed[:, 0].max() == 0 and squeezed[:, 32].min() == 255
    with pytest.raises(ValueError, match="crop or resize"):
        FrameOptions(fit="stretch")


def test_sharpness_ranks_blur_low() -> None:
    picture = drawing(5, 128, 128)[:, :128]
    assert sharpness(picture) > 4 * sharpness(cv2.GaussianBlur(picture, (0, 0), 3))


def test_shot_best_keeps_the_sharpest_in_time_order() -> None:
    best = ShotBest(keep=2)
    for index, score in enumerate([5.0, 9.0, 1.0, 7.0, 3.0]):
        best.offer(Candidate(score, index, np.zeros((1, 1, 3), np.uint8)))
    assert [c.index for c in best.take()] == [1, 3]
    assert best.take() == []


def test_near_duplicates() -> None:
    seen = NearDuplicates(distance=6)
    picture = drawing(6, 128, 128)[:, :128]
    assert not seen.is_duplicate(picture)
    noisy = np.clip(picture + np.random.default_rng(0).normal(0, 4, picture.shape), 0, 255).astype(np.uint8)
    assert seen.is_duplicate(noisy)
    assert not seen.is_duplicate(drawing(7, 128, 128)[:, :128])
