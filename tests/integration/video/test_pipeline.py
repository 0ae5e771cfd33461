"""Videos: sound kept, frame count/fps/duration kept, rotation, containers, interruption, temporal flag."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from helpers.synthetic_video import make_test_video

from animegan.errors import InputError
from animegan.inference.stylizer import Stylizer
from animegan.video.pipeline import stylize_video
from animegan.video.probe import probe, read_frames
from animegan.video.temporal import flicker


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_test_video(tmp_path_factory.mktemp("clips") / "clip.mp4", frames=18, fps=15, size=(64, 48))


def audio_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.audio[0]) if p.size]


def test_video_with_sound_round_trips(clip, tmp_path, fabricated_weights, run_stylize):
    code, out, err = run_stylize(
        str(clip), "-o", str(tmp_path / "styled.mp4"), "--weights", str(fabricated_weights)
    )
    assert code == 0, err
    src, dst = probe(clip), probe(tmp_path / "styled.mp4")
    assert (dst.width, dst.height, dst.frames, dst.fps) == (64, 48, 18, Fraction(15))
    assert dst.duration == pytest.approx(src.duration, abs=1e-3)
    assert dst.audio_codec == src.audio_codec == "aac" and dst.audio_rate == src.audio_rate
    assert audio_packets(tmp_path / "styled.mp4") == audio_packets(clip)  # copied bit for bit
    frames = list(read_frames(tmp_path / "styled.mp4"))
    assert not np.array_equal(frames[0], next(read_frames(clip)))


def test_frames_are_the_stylizers_output(clip, tmp_path, fabricated_weights):
    stylizer = Stylizer.from_weights(fabricated_weights, device="cpu", precision="fp32")
    stylize_video(clip, tmp_path / "v.mkv", stylizer.stylize_batch, batch_size=5, crf=0, show_progress=False)
    expected = [stylizer(f) for f in read_frames(clip)]
    got = list(read_frames(tmp_path / "v.mkv"))
    assert len(got) == len(expected)
    # crf 0 is lossless in YUV; the RGB<->yuv420p round trip costs a little
    assert max(np.abs(g.astype(int) - e.astype(int)).mean() for g, e in zip(got, expected, strict=True)) < 3.0


def test_webm_output_reencodes_audio_to_opus(clip, tmp_path):
    stylize_video(clip, tmp_path / "v.webm", lambda frames: frames, show_progress=False)
    info = probe(tmp_path / "v.webm")
    assert (info.video_codec, info.audio_codec, info.frames) == ("vp9", "opus", 18)
    assert info.duration == pytest.approx(probe(clip).duration, abs=0.02)


def rotated_marker_video(path: Path) -> Path:
    """Stored 64x48 frames, white block at the stored top-left, display matrix: 90 degrees counter-clockwise."""
    with av.open(str(path), mode="w") as output:
        stream = output.add_stream("libx264", rate=10, options={"crf": "0"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.set_display_rotation(90)
        for index in range(3):
            rgb = np.full((48, 64, 3), 30, np.uint8)
            rgb[:12, :16] = 255
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return path


def test_rotation_is_applied_to_the_pixels(tmp_path):
    rotated = rotated_marker_video(tmp_path / "portrait.mp4")
    assert (probe(rotated).width, probe(rotated).height, probe(rotated).rotation) == (48, 64, 90)
    seen = []
    stylize_video(rotated, tmp_path / "out.mp4", lambda fr: seen.extend(fr) or fr, crf=0, show_progress=False)
    info = probe(tmp_path / "out.mp4")
    assert (info.width, info.height, info.rotation) == (
        48,
        64,
        0,
    )  # upright pixels, no rotation left to apply
    assert seen[0].shape == (64, 48, 3)
    out = next(read_frames(tmp_path / "out.mp4")).astype(int)
    # turned 90 degrees counter-clockwise, the stored top-left block is at the bottom-left
    assert out[-16:, :12].mean() > 240 and out[:16, :12].mean() < 60 and out[-16:, -12:].mean() < 60


def test_interrupted_run_leaves_no_file(clip, tmp_path):
    calls = []

    def failing(frames):
        calls.append(len(frames))
        if len(calls) == 2:
            raise RuntimeError("stylizer crashed")
        return frames

    with pytest.raises(RuntimeError, match="stylizer crashed"):
        stylize_video(clip, tmp_path / "out.mp4", failing, batch_size=4, show_progress=False)
    assert list(tmp_path.iterdir()) == []  # neither the final name nor a temp file


def test_corrupt_and_truncated_videos(clip, tmp_path, fabricated_weights, run_stylize):
    data = clip.read_bytes()
    (tmp_path / "truncated.mp4").write_bytes(data[: len(data) // 3])
    (tmp_path / "noise.mov").write_bytes(
        np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    )
    with pytest.raises(InputError):
        stylize_video(tmp_path / "noise.mov", tmp_path / "x.mp4", lambda f: f, show_progress=False)
    code, out, err = run_stylize(
        str(tmp_path / "truncated.mp4"),
        str(tmp_path / "noise.mov"),
        str(clip),
        "-o",
        str(tmp_path / "out"),
        "--weights",
        str(fabricated_weights),
    )
    assert code == 1 and out == [str(tmp_path / "out" / "clip.mp4")]
    assert len(err) == 3 and "truncated.mp4" in err[0] and "noise.mov" in err[1]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["clip.mp4"]


def test_temporal_flag_reduces_flicker_on_a_static_noisy_clip(tmp_path, fabricated_weights, run_stylize):
    noisy = make_test_video(tmp_path / "static.mp4", frames=10, fps=10, size=(64, 48), static=True, noise=8.0)
    assert (
        run_stylize(
            str(noisy), "-o", str(tmp_path / "plain.mkv"), "--weights", str(fabricated_weights), "--crf", "0"
        )[0]
        == 0
    )
    assert (
        run_stylize(
            str(noisy),
            "-o",
            str(tmp_path / "smooth.mkv"),
            "--weights",
            str(fabricated_weights),
            "--crf",
            "0",
            "--temporal",
        )[0]
        == 0
    )
    plain = flicker(list(read_frames(tmp_path / "plain.mkv")))
    smooth = flicker(list(read_frames(tmp_path / "smooth.mkv")))
    assert smooth < 0.75 * plain
