"""Faces followed through a video: detection every few frames, optical flow between, smoothed landmarks.

Between detections each face box is carried to the next frame by the similarity transform that best explains
the Lucas-Kanade flow of its landmarks; the 68 landmarks are then predicted afresh in the carried box (cheap)
and smoothed over time with a One Euro filter (Casiez et al., 2012) whose cut-off rises with the face's speed,
so still faces stop jittering while moving faces do not lag.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from animegan.faces.detect import Box, Face, FaceDetector


@dataclass
class TrackingOptions:
    """Numbers of the tracker. Speeds and cut-offs are per frame; speeds are in face widths (eye-to-eye x 2)."""

    detect_every: int = 5
    min_cutoff: float = 0.03
    beta: float = 4.0
    derivative_cutoff: float = 0.2
    match_iou: float = 0.3
    max_missed_detections: int = 1
    min_flow_points: int = 12


def _alpha(cutoff: float) -> float:
    """Smoothing factor of a first-order low-pass at ``cutoff`` cycles per frame."""
    tau = 1.0 / (2.0 * np.pi * cutoff)
    return 1.0 / (1.0 + tau)


@dataclass
class OneEuroFilter:
    """One Euro filter over a whole landmark set, with an optional motion prior.

    Without a prior the previous output is the prediction (the classic filter). With a prior (the previous
    output moved by the optical flow) the filter follows the face's motion without lag and only smooths what the
    flow cannot explain. One speed, the mean disagreement between measurement and prediction in face widths per
    frame, sets the cut-off for all points so that the landmark set stays rigid.
    """

    min_cutoff: float
    beta: float
    derivative_cutoff: float
    value: np.ndarray | None = None
    speed: float = 0.0

    def __call__(self, points: np.ndarray, scale: float, prior: np.ndarray | None = None) -> np.ndarray:
        """Filter the next sample; ``scale`` (pixels per face width) makes speeds independent of face size."""
        if self.value is None:
            self.value = points.astype(np.float64).copy()
            return self.value.copy()
        predicted = self.value if prior is None else prior
        raw_speed = float(np.linalg.norm(points - predicted, axis=-1).mean()) / max(scale, 1e-6)
        a_d = _alpha(self.derivative_cutoff)
        self.speed = a_d * raw_speed + (1.0 - a_d) * self.speed
        a = _alpha(self.min_cutoff + self.beta * self.speed)
        self.value = a * points + (1.0 - a) * predicted
        return self.value.copy()


def face_width(landmarks: np.ndarray) -> float:
    """Twice the eye-to-eye distance: the size unit of the smoothing."""
    eyes = landmarks[36:42].mean(axis=0) - landmarks[42:48].mean(axis=0)
    return 2.0 * float(np.hypot(*eyes))


@dataclass
class Track:
    """One face followed through the video."""

    box: Box
    landmarks: np.ndarray  # raw (unsmoothed) landmarks of the last frame
    smoothed: np.ndarray
    smoother: OneEuroFilter
    missed: int = 0


class FaceTracker:
    """Landmarks of every face in consecutive frames, detected every ``detect_every`` frames and tracked between."""

    def __init__(self, detector: FaceDetector, options: TrackingOptions | None = None) -> None:
        self.detector = detector
        self.options = options or TrackingOptions()
        self.tracks: list[Track] = []
        self.frame_index = 0
        self._previous_gray: np.ndarray | None = None

    def reset(self) -> None:
        """Forget every face (e.g. at a scene cut)."""
        self.tracks, self.frame_index, self._previous_gray = [], 0, None

    def _new_track(self, box: Box, landmarks: np.ndarray) -> Track:
        opts = self.options
        smoother = OneEuroFilter(opts.min_cutoff, opts.beta, opts.derivative_cutoff)
        return Track(box, landmarks, smoother(landmarks, face_width(landmarks)), smoother)

    def _flow(self, track: Track, previous: np.ndarray, gray: np.ndarray) -> np.ndarray | None:
        """The similarity (2x3) that best explains the optical flow of the track's landmarks; None if lost."""
        points = track.landmarks.astype(np.float32).reshape(-1, 1, 2)
        moved, status, _ = cv2.calcOpticalFlowPyrLK(
            previous, gray, points, None, winSize=(21, 21), maxLevel=3
        )
        ok = status.ravel() == 1
        if ok.sum() < self.options.min_flow_points:
            return None
        matrix, _ = cv2.estimateAffinePartial2D(points[ok], moved[ok], method=cv2.RANSAC)
        return matrix

    def update(self, rgb: np.ndarray, times: dict[str, float] | None = None) -> list[Face]:
        """The faces of the next frame, with smoothed landmarks; ``times`` receives seconds per stage."""
        from time import perf_counter

        times = {} if times is None else times
        start = perf_counter()
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        carried: list[tuple[Track, Box]] = []
        priors: dict[int, np.ndarray] = {}
        if self._previous_gray is not None:
            for track in self.tracks:
                matrix = self._flow(track, self._previous_gray, gray)
                if matrix is not None:
                    carried.append((track, track.box.moved(matrix)))
                    priors[id(track)] = track.smoothed @ matrix[:, :2].T + matrix[:, 2]
        times["track"] = perf_counter() - start

        detect_now = self.frame_index % max(self.options.detect_every, 1) == 0 or not carried
        matched: list[tuple[Track | None, Box]] = carried
        if detect_now:
            start = perf_counter()
            matched = self._match(self.detector.detect(rgb), carried)
            times["detect"] = perf_counter() - start

        start = perf_counter()
        tracks = []
        for track, box in matched:
            landmarks = self.detector.landmarks(rgb, box)
            if track is None:
                tracks.append(self._new_track(box, landmarks))
                continue
            track.box, track.landmarks = box, landmarks
            track.smoothed = track.smoother(landmarks, face_width(landmarks), priors.get(id(track)))
            tracks.append(track)
        times["landmarks"] = perf_counter() - start

        self.tracks, self._previous_gray = tracks, gray
        self.frame_index += 1
        return [Face(t.box, t.smoothed) for t in self.tracks]

    def _match(self, boxes: list[Box], carried: list[tuple[Track, Box]]) -> list[tuple[Track | None, Box]]:
        """Pair fresh detections with carried tracks (greedy IoU); keep briefly missed tracks; start new ones."""
        pairs: list[tuple[Track | None, Box]] = []
        free = list(carried)
        for box in boxes:
            best = max(free, key=lambda tb: box.iou(tb[1]), default=None)
            if best is not None and box.iou(best[1]) >= self.options.match_iou:
                free.remove(best)
                best[0].missed = 0
                pairs.append((best[0], box))
            else:
                pairs.append((None, box))
        for track, box in free:
            track.missed += 1
            if track.missed <= self.options.max_missed_detections:
                pairs.append((track, box))
        return pairs
