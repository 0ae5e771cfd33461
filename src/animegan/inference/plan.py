"""Planning a stylize run: which input goes to which output path, and which inputs are refused up front."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from animegan.imageio import IMAGE_SUFFIXES, is_image_path
from animegan.video.formats import VIDEO_SUFFIXES, is_video_path


@dataclass(frozen=True)
class Job:
    """One input file and where its stylized version goes."""

    source: Path
    target: Path
    kind: str  # "image" | "video"


@dataclass(frozen=True)
class Failure:
    """An input that failed, with the one-line reason."""

    source: Path
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def kind_of(path: Path) -> str | None:
    if is_image_path(path):
        return "image"
    if is_video_path(path):
        return "video"
    return None


def _supported() -> str:
    return ", ".join(sorted(IMAGE_SUFFIXES | VIDEO_SUFFIXES))


def media_files(
    folder: Path, skip: Path | None = None, recursive: bool = True, kind: str | None = None
) -> list[Path]:
    """Images and videos in ``folder`` (sorted; recursive by default), hidden and other files skipped quietly.

    ``skip`` (an output folder inside the input) is left out; ``kind`` keeps only "image" or "video" files.
    """
    found = []
    for path in sorted(folder.rglob("*") if recursive else folder.iterdir()):
        wanted = kind_of(path) if kind is None else kind_of(path) == kind
        if path.is_file() and wanted and not path.name.startswith("."):
            if skip is None or not _inside(path, skip):
                found.append(path)
    return found


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _file_target(source: Path, output: Path, single_file: bool) -> Path:
    if single_file and kind_of(output) is not None:
        return output
    return output / source.name


def plan(inputs: list[str | Path], output: str | Path) -> tuple[list[Job], list[Failure]]:
    """Jobs for every usable input and failures for the rest (missing, unsupported, output == input, clashes).

    ``output`` is a file name when there is one input file and it ends in an image/video suffix; otherwise a
    folder: files go to ``output/<name>``, folders are mirrored as ``output/<path inside the folder>``.
    """
    output = Path(output)
    sources = [Path(item) for item in inputs]
    single_file = len(sources) == 1 and not sources[0].is_dir()
    jobs: list[Job] = []
    failures: list[Failure] = []
    for source in sources:
        if not source.exists():
            failures.append(Failure(source, "file not found"))
        elif source.is_dir():
            jobs += [Job(p, output / p.relative_to(source), kind_of(p)) for p in media_files(source, output)]
        elif kind_of(source) is None:
            failures.append(
                Failure(source, f"unsupported file type {source.suffix or '(none)'}; expected {_supported()}")
            )
        else:
            jobs.append(Job(source, _file_target(source, output, single_file), kind_of(source)))
    return _checked(jobs, failures)


def _checked(jobs: list[Job], failures: list[Failure]) -> tuple[list[Job], list[Failure]]:
    kept: list[Job] = []
    targets: dict[Path, Path] = {}
    for job in jobs:
        target = job.target.resolve()
        if target == job.source.resolve():
            failures.append(
                Failure(job.source, "output path equals the input; choose another output with -o")
            )
        elif kind_of(job.target) != job.kind:
            failures.append(Failure(job.source, f"a {job.kind} cannot be written as {job.target.suffix}"))
        elif target in targets:
            failures.append(Failure(job.source, f"output {job.target} already taken by {targets[target]}"))
        else:
            targets[target] = job.source
            kept.append(job)
    return kept, failures


def image_files(inputs: list[str | Path]) -> list[Path]:
    """Input files in order; folders expand to the images directly inside them (sorted, not recursive)."""
    paths: list[Path] = []
    for item in map(Path, inputs):
        paths += media_files(item, recursive=False, kind="image") if item.is_dir() else [item]
    return paths
