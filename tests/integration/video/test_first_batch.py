"""The video pipeline's first batch is a single frame (the runtime switch decides from it, as from a folder's first
photo); every later batch is full, the last one holding what is left."""

from __future__ import annotations

import numpy as np
from helpers.synthetic_video import make_test_video

from animegan.video.pipeline import stylize_video
from animegan.video.probe import read_frames


def test_the_first_batch_is_one_frame_then_full_batches(tmp_path):
    clip = make_test_video(tmp_path / "clip.mp4", frames=11, fps=10, size=(48, 32))
    sizes: list[int] = []

    def inverted(frames: list[np.ndarray]) -> list[np.ndarray]:
        sizes.append(len(frames))
        return [255 - f for f in frames]

    stylize_video(clip, tmp_path / "out.mkv", inverted, batch_size=4, crf=0, show_progress=False)
    assert sizes == [1, 4, 4, 2]
    got, source = list(read_frames(tmp_path / "out.mkv")), list(read_frames(clip))
    assert len(got) == len(source) == 11
    # every frame went through the hook once, in order (crf 0: only the yuv420p round trip differs)
    assert (
        max(np.abs(g.astype(int) - (255 - s.astype(int))).mean() for g, s in zip(got, source, strict=True))
        < 3.0
    )
