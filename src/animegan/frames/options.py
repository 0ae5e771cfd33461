"""What ``animegan frames`` can be asked for: one dataclass whose defaults are the CLI's (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass

from animegan.data.image_side import IMAGE_SIDE

FITS = ("crop", "resize")  # centre square crop, or the whole frame squeezed to a square


@dataclass(frozen=True)
class FrameOptions:
    """How style frames are chosen from a video and written (see ``animegan.frames.style_frames``)."""

    every: float = 0.5  # seconds between candidate frames
    max_frames: int | None = None  # at most this many frames per video (candidates spread over its duration)
    size: int = IMAGE_SIDE  # side of the square training images
    per_shot: int = 2  # the sharpest candidates kept per shot
    fit: str = "crop"  # one of FITS
    cut_threshold: float = 27.0  # content change that starts a new shot (PySceneDetect's default)
    min_shot_frames: int = 8  # a cut closer than this to the previous one is ignored (flashes)
    min_sharpness: float = 20.0  # variance of the Laplacian below which a frame counts as blurred
    duplicate_bits: int = 6  # perceptual-hash distance at or below which two frames are near-duplicates

    def __post_init__(self) -> None:
        """ValueError with one line for an option out of range."""
        rules = (
            ("every", self.every > 0, "seconds > 0"),
            ("max_frames", self.max_frames is None or self.max_frames >= 1, "at least 1"),
            ("size", self.size >= 8, "at least 8 pixels"),
            ("per_shot", self.per_shot >= 1, "at least 1"),
            ("fit", self.fit in FITS, " or ".join(FITS)),
            ("min_shot_frames", self.min_shot_frames >= 1, "at least 1"),
        )
        for name, ok, expected in rules:
            if not ok:
                raise ValueError(f"{name} {getattr(self, name)!r}: expected {expected}")
