"""Where a video's frames lose time against a folder of photos, for ``bench_video``: each stage of the pipeline
alone, in frames per second, in the same run and with the same warm ``Stylizer``, interleaved over rounds.

- decode: PyAV demux + decode + RGB conversion (``frame.to_ndarray(format="rgb24")``), as the decoder thread does;
- model, image path: one frame per call (``stylizer(rgb)``), as a folder of photos runs;
- model, batched: ``stylize_batch`` in batches of ``batch`` (the video pipeline's batch shape);
- encode: ``Encoder`` (RGB -> yuv420p, H.264, mux) on the stylized frames;
- folder end to end: the frames as PNG files through ``animegan stylize``'s run (read, stylize, write PNG);
- video end to end: ``stylize_video`` (decoder thread, batched inference, encoder thread, sound copied).

The serial sum of decode + batched model + encode is what the video would take with no overlap at all; the
overlap figure says how much of decode and encode hides behind inference (1.0: all of it).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from animegan.inference.options import StylizeOptions
from animegan.inference.plan import plan
from animegan.inference.run import StylizeRun
from animegan.inference.stylizer import Stylizer
from animegan.video.encode import Encoder
from animegan.video.frames import DecodedFrame
from animegan.video.pipeline import _timing, stylize_video
from animegan.video.probe import open_input, read_frames


class _Quiet:
    """RunEvents that only count."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def done(self, job) -> None:
        pass

    def failed(self, message: str) -> None:
        self.failures.append(message)


def _timed(work) -> float:
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


def _encode(clip: Path, frames: list[np.ndarray], out: Path) -> None:
    container = open_input(clip)
    try:
        rate, time_base = _timing(container)
    finally:
        container.close()
    encoder = Encoder(out, ".mp4", rate, time_base, 18, None)
    for index, rgb in enumerate(frames):
        encoder.write_frame(DecodedFrame(index, 1 / rate, 1, None), rgb)
    encoder.finish()
    encoder.close()


def _folder(stylizer: Stylizer, folder: Path, out: Path) -> None:
    jobs, failures = plan([folder], out)
    events = _Quiet()
    done = StylizeRun(StylizeOptions(quiet=True), stylizer, events).process(jobs)
    if failures or events.failures or done != len(jobs):
        raise RuntimeError(f"folder run failed: {failures or events.failures}")


def measure(stylizer: Stylizer, clip: Path, batch: int, rounds: int) -> dict:
    """Frames per second of each stage (medians over interleaved rounds), the overlap of the pipeline and the
    ratios between stages (medians of per-round ratios)."""
    frames = list(read_frames(clip))
    n = len(frames)
    stylized = stylizer.stylize_batch(frames[:batch])  # warm-up at the clip's size (and batch)
    stylizer(frames[0])
    with tempfile.TemporaryDirectory() as tmp:
        folder, work = Path(tmp) / "frames", Path(tmp)
        folder.mkdir()
        for index, rgb in enumerate(frames):
            Image.fromarray(rgb).save(folder / f"{index:05d}.png")
        stylized = [out for i in range(0, n, batch) for out in stylizer.stylize_batch(frames[i : i + batch])]
        stages = {  # stages whose ratio is reported sit side by side; the order flips every round
            "decode": lambda: list(read_frames(clip)),
            "encode": lambda: _encode(clip, stylized, work / "encoded.mp4"),
            "model_image_path": lambda: [stylizer(rgb) for rgb in frames],
            "folder_end_to_end": lambda: _folder(stylizer, folder, work / "folder_out"),
            "model_batched": lambda: [
                stylizer.stylize_batch(frames[i : i + batch]) for i in range(0, n, batch)
            ],
            "video_end_to_end": lambda: stylize_video(
                clip, work / "video_out.mp4", stylizer.stylize_batch, batch, show_progress=False
            ),
        }
        seconds: dict[str, list[float]] = {name: [] for name in stages}
        for number in range(rounds):
            for name in list(stages) if number % 2 == 0 else list(stages)[::-1]:
                seconds[name].append(_timed(stages[name]))
    per_frame = {name: float(np.median(s)) / n for name, s in seconds.items()}
    fps = {name: 1.0 / s for name, s in per_frame.items()}
    serial = per_frame["decode"] + per_frame["model_batched"] + per_frame["encode"]

    def speedup(fast: str, slow: str) -> float:
        """Median over rounds of slow / fast seconds: this shared machine's speed drifts over minutes, so
        ratios are taken within a round, between stages measured back to back."""
        return float(np.median(np.array(seconds[slow]) / np.array(seconds[fast])))

    hidden = [
        (d + m + e - v) / max(d + e, 1e-9)
        for d, m, e, v in zip(
            *(seconds[k] for k in ("decode", "model_batched", "encode", "video_end_to_end")), strict=True
        )
    ]
    row = {
        "frames": n,
        "batch": batch,
        "runs_on": stylizer.describe(),
        "seconds_per_frame": per_frame,
        "fps": fps,
        "serial_sum_s_per_frame": serial,
        "overlap": float(np.median(hidden)),
        "video_over_folder_speedup": speedup("video_end_to_end", "folder_end_to_end"),
        "batched_over_image_path_speedup": speedup("model_batched", "model_image_path"),
        "video_over_model_batched_speedup": speedup("video_end_to_end", "model_batched"),
        "rounds_s": seconds,
    }
    print(f"  breakdown, {n} frames, batch {batch} [{row['runs_on']}], seconds per frame (fps):", flush=True)
    for name, s in per_frame.items():
        print(f"    {name:<20} {s:8.3f} s  ({fps[name]:.3f} fps)", flush=True)
    print(
        f"    serial decode + model + encode {serial:.3f} s/frame; the pipeline hides "
        f"{100 * row['overlap']:.0f} % of decode + encode; video / folder {row['video_over_folder_speedup']:.2f}, "
        f"batched / image path {row['batched_over_image_path_speedup']:.2f}, video / model-only "
        f"{row['video_over_model_batched_speedup']:.2f}",
        flush=True,
    )
    return row
