"""Style sets from anime video (``animegan frames``): decode with PyAV, cut into shots, keep the sharpest clean
frames of each shot, drop near-duplicates, write ``<root>/<style>/style/``, then ``prepare`` (smooth/, dataset.json).

Resumable: finished videos are recorded in ``<root>/<style>/frames.json`` and skipped on a re-run (same file,
same options); frames already on disk are kept, not rewritten. Every frame is written under a temporary name first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from animegan.atomic import atomic_write
from animegan.data.layout import STYLE_DIR, list_images
from animegan.data.prepare.style import prepare_style_dir
from animegan.errors import InputError
from animegan.frames.options import FrameOptions
from animegan.frames.select import (
    Candidate,
    NearDuplicates,
    ShotBest,
    ShotDetector,
    is_blank,
    sharpness,
    to_square,
    without_bars,
)
from animegan.imageio import read_image, write_image
from animegan.progress import make_progress
from animegan.video.formats import is_video_path
from animegan.video.frames import upright
from animegan.video.probe import estimated_frames, open_input, rotation_of

MANIFEST = "frames.json"
CUT_WIDTH = 128  # frames are compared for cuts at this width
FRAME_SUFFIX = ".png"


@dataclass
class ClipReport:
    """What was taken from one video."""

    source: Path
    kept: int = 0
    shots: int = 0
    blank: int = 0
    blurred: int = 0
    duplicates: int = 0
    resumed: bool = False  # finished in an earlier run: not decoded again

    def summary(self) -> str:
        if self.resumed:
            return f"{self.source}: already done ({self.kept} frames)"
        return (
            f"{self.source}: {self.kept} frames kept from {self.shots} shots ({self.blank} black/fade, "
            f"{self.blurred} blurred, {self.duplicates} near-duplicate candidates dropped)"
        )


@dataclass
class StyleSetReport:
    """The clips done, the inputs that failed (one line each) and the prepare step's report."""

    style_root: Path
    clips: list[ClipReport] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    prepared: object | None = None  # animegan.data.prepare.PrepareReport


class Manifest:
    """``frames.json``: the videos finished with which options (file size and mtime identify the file)."""

    def __init__(self, style_root: Path) -> None:
        self.path = style_root / MANIFEST
        self.clips: dict[str, dict] = (
            json.loads(self.path.read_text())["clips"] if self.path.is_file() else {}
        )

    @staticmethod
    def _identity(source: Path, options: FrameOptions) -> dict:
        stat = source.stat()
        return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns, "options": asdict(options)}

    def finished(self, source: Path, options: FrameOptions) -> int | None:
        """Frames kept from ``source`` in an earlier run with the same options; None if it must be done."""
        entry = self.clips.get(str(source.resolve()))
        if entry is None or {k: entry[k] for k in ("bytes", "mtime_ns", "options")} != self._identity(
            source, options
        ):
            return None
        return int(entry["kept"])

    def record(self, report: ClipReport, options: FrameOptions) -> None:
        self.clips[str(report.source.resolve())] = {
            **self._identity(report.source, options), "kept": report.kept, "shots": report.shots
        }  # fmt: skip
        text = json.dumps({"clips": self.clips}, indent=2, sort_keys=True) + "\n"
        atomic_write(self.path, lambda tmp: tmp.write_text(text))


def _open_video(source: Path):
    """An open container with a video stream; a still image is refused like any other non-video."""
    container = open_input(source)
    name = container.format.name
    if name.endswith("_pipe") or name == "image2":
        container.close()
        raise InputError(f"{source}: is a still image ({name.removesuffix('_pipe')}), expected a video")
    return container


class ClipSampler:
    """One video through cut detection, candidate choice every ``options.every`` seconds and shot-wise keeping."""

    def __init__(
        self, source: Path, style_dir: Path, options: FrameOptions, duplicates: NearDuplicates
    ) -> None:
        self.source, self.style_dir, self.options, self.duplicates = source, style_dir, options, duplicates
        self.report = ClipReport(source)

    def _interval(self, duration: float | None) -> float:
        if self.options.max_frames and duration:
            return max(self.options.every, duration / self.options.max_frames)
        return self.options.every

    def _full(self) -> bool:
        return self.options.max_frames is not None and self.report.kept >= self.options.max_frames

    def _keep(self, chosen: list[Candidate]) -> None:
        """Write the chosen frames of a finished shot (those not near-duplicates of frames kept before)."""
        self.report.shots += 1
        for candidate in chosen:
            if self._full():
                return
            target = self.style_dir / f"{self.source.stem}_{candidate.index:06d}{FRAME_SUFFIX}"
            if (
                target.is_file()
            ):  # written by an interrupted earlier run: already among the duplicates' hashes
                self.report.kept += 1
            elif self.duplicates.is_duplicate(candidate.rgb):
                self.report.duplicates += 1
            else:
                write_image(target, candidate.rgb)
                self.report.kept += 1

    def _candidate(self, rgb, index: int) -> Candidate | None:
        content = without_bars(rgb)
        if is_blank(content):
            self.report.blank += 1
            return None
        square = to_square(content, self.options.size, self.options.fit)
        score = sharpness(square)
        if score < self.options.min_sharpness:
            self.report.blurred += 1
            return None
        return Candidate(score, index, square)

    def run(self, on_start: Callable[[int | None], None], advance: Callable[[], None]) -> ClipReport:
        """Decode the whole video (or until ``max_frames`` are kept); corrupt data is an InputError."""
        import av

        try:
            with _open_video(self.source) as container:
                decoded = self._decode(container, on_start, advance)
        except av.error.FFmpegError as exc:
            raise InputError(f"{self.source}: corrupt video ({str(exc).splitlines()[0][:100]})") from None
        if decoded == 0:
            raise InputError(f"{self.source}: no decodable video frames")
        return self.report

    def _decode(self, container, on_start: Callable[[int | None], None], advance: Callable[[], None]) -> int:
        opts = self.options
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        duration = container.duration / 1_000_000 if container.duration else None
        interval, next_time, decoded = self._interval(duration), 0.0, 0
        rate = float(stream.average_rate or 25)
        on_start(estimated_frames(stream, container))
        cuts, best = ShotDetector(opts.cut_threshold, opts.min_shot_frames), ShotBest(opts.per_shot)
        for index, frame in enumerate(container.decode(stream)):
            decoded += 1
            width = min(CUT_WIDTH, frame.width)
            height = max(2, round(frame.height * width / frame.width))
            if cuts.is_cut(frame.to_ndarray(width=width, height=height, format="rgb24")):
                self._keep(best.take())
            time = frame.time if frame.time is not None else index / rate
            if time + 1e-6 >= next_time:
                next_time = time + interval
                rgb = upright(frame.to_ndarray(format="rgb24"), rotation_of(frame))
                if (candidate := self._candidate(rgb, index)) is not None:
                    best.offer(candidate)
            advance()
            if self._full():
                break
        self._keep(best.take())
        return decoded


def video_inputs(inputs: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Video files (folders expand to the videos directly inside them, sorted) and one line per refused input."""
    videos, failures, stems = [], [], {}
    for item in map(Path, inputs):
        if not item.exists():
            failures.append(f"{item}: file not found")
            continue
        found = sorted(p for p in item.iterdir() if is_video_path(p)) if item.is_dir() else [item]
        for path in found:
            if path.stem in stems:
                failures.append(f"{path}: same name as {stems[path.stem]}; frames are named after the file")
            else:
                stems[path.stem] = path
                videos.append(path)
    return videos, failures


def build_style_set(
    inputs: Iterable[str | Path],
    root: str | Path,
    style: str,
    options: FrameOptions,
    workers: int = 1,
    quiet: bool = False,
    on_clip: Callable[[ClipReport], None] | None = None,
    on_failure: Callable[[str], None] | None = None,
) -> StyleSetReport:
    """Frames of every video into ``<root>/<style>/style/``, then ``prepare`` for ``smooth/`` and dataset.json."""
    style_root = Path(root) / style
    style_dir = style_root / STYLE_DIR
    style_dir.mkdir(parents=True, exist_ok=True)
    report = StyleSetReport(style_root)
    videos, failures = video_inputs(inputs)

    def fail(message: str) -> None:
        report.failures.append(message)
        if on_failure is not None:
            on_failure(message)

    for message in failures:
        fail(message)
    manifest = Manifest(style_root)
    duplicates = NearDuplicates(options.duplicate_bits)
    for existing in list_images(style_dir):
        duplicates.remember(read_image(existing).rgb)
    with make_progress(disable=quiet) as progress:
        for video in videos:
            if (kept := manifest.finished(video, options)) is not None:
                clip = ClipReport(video, kept=kept, resumed=True)
            else:
                task = progress.add_task(f"frames {video.name}", total=None, unit="frame")
                try:
                    clip = ClipSampler(video, style_dir, options, duplicates).run(
                        lambda total, task=task: progress.update(task, total=total),
                        lambda task=task: progress.advance(task),
                    )
                except InputError as exc:
                    fail(str(exc))
                    continue
                manifest.record(clip, options)
            report.clips.append(clip)
            if on_clip is not None:
                on_clip(clip)
    if list_images(style_dir):
        report.prepared = prepare_style_dir(style_root, size=options.size, workers=workers, quiet=quiet)
    return report
