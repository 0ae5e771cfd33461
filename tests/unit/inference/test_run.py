"""The library's stylize run: events per input, failure classification, full-disk stop, the README's face-paste import."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import torch

from animegan.errors import InputError
from animegan.imageio import read_image
from animegan.inference.options import StylizeOptions
from animegan.inference.plan import Job
from animegan.inference.run import describe_failure, stylize_all
from animegan.nets import GeneratorV2
from animegan.weights.io import save_generator


class Recorded:
    """RunEvents that keep what they hear."""

    def __init__(self) -> None:
        self.targets: list[Path] = []
        self.failures: list[str] = []
        self.notes: list[tuple[Path, str]] = []

    def done(self, job: Job) -> None:
        self.targets.append(job.target)

    def failed(self, message: str) -> None:
        self.failures.append(message)

    def note(self, source: Path, message: str) -> None:
        self.notes.append((source, message))


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    torch.manual_seed(3)
    return save_generator(GeneratorV2(), tmp_path_factory.mktemp("w") / "random_generator.pt")


def test_stylize_all_reports_each_input_and_keeps_going(tmp_path, write_png, coffee, weights) -> None:
    good = write_png("in/coffee.png", coffee[:48, :64])
    broken = tmp_path / "in" / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    events = Recorded()
    options = StylizeOptions(weights=str(weights), device="cpu", precision="fp32", quiet=True)
    summary = stylize_all([str(tmp_path / "in")], tmp_path / "out", options, events)
    assert (summary.done, summary.failed) == (1, 1)
    assert events.targets == [tmp_path / "out" / "coffee.png"]
    assert len(events.failures) == 1 and "broken.jpg" in events.failures[0]
    assert read_image(tmp_path / "out" / "coffee.png").rgb.shape == (48, 64, 3)
    assert good.is_file() and not (tmp_path / "out" / "broken.jpg").exists()


def test_weights_problem_fails_every_job_with_one_line(tmp_path, write_png, coffee) -> None:
    photo = write_png("a.png", coffee[:32, :32])
    events = Recorded()
    options = StylizeOptions(weights=str(tmp_path / "missing.pt"), device="cpu", quiet=True)
    summary = stylize_all([str(photo)], tmp_path / "out.png", options, events)
    assert (summary.done, summary.failed) == (0, 1)
    assert len(events.failures) == 1 and "missing.pt" in events.failures[0]


def test_failures_are_classified_and_bugs_are_not_hidden(tmp_path) -> None:
    job = Job(tmp_path / "in.png", tmp_path / "out.png", "image")
    assert describe_failure(job, InputError("bad pixels")) == f"{job.source}: bad pixels"
    full = InputError(f"{job.source}: truncated")
    assert describe_failure(job, full) == str(full)  # the path is not repeated
    disk = describe_failure(job, OSError(28, "No space left on device"))
    assert "No space left on device" in disk and str(job.target) in disk
    oom = describe_failure(job, RuntimeError("CUDA out of memory. Tried to allocate 2 GiB\nmore"))
    assert "out of memory" in oom and "--tile" in oom and "\n" not in oom
    assert describe_failure(job, KeyError("bug")) is None


@pytest.mark.parametrize(
    ("code", "stops"), [(errno.ENOSPC, True), (errno.EDQUOT, True), (errno.EIO, True), (errno.EFBIG, False)]
)
def test_a_full_disk_stops_the_run_a_too_large_file_does_not(
    tmp_path, write_png, coffee, weights, monkeypatch, code, stops
) -> None:
    """Every input after a full disk would fail the same way: one line for the input, one for the stop."""
    import animegan.inference.run as run

    for name in ("a", "b", "c", "d"):
        write_png(f"in/{name}.png", coffee[:24, :32])
    real_write = run.write_image

    def write_failing_on_b(path, rgb, alpha=None):
        if Path(path).name == "b.png":
            raise OSError(code, os.strerror(code), str(path))
        return real_write(path, rgb, alpha)

    monkeypatch.setattr(run, "write_image", write_failing_on_b)
    events = Recorded()
    options = StylizeOptions(weights=str(weights), device="cpu", precision="fp32", quiet=True)
    summary = stylize_all([str(tmp_path / "in")], tmp_path / "out", options, events)
    reason = os.strerror(code)
    assert (
        events.failures[0]
        == f"{tmp_path / 'in' / 'b.png'}: cannot write {tmp_path / 'out' / 'b.png'} ({reason})"
    )
    if stops:
        assert events.targets == [tmp_path / "out" / "a.png"] and (summary.done, summary.failed) == (1, 3)
        assert len(events.failures) == 2
        assert reason in events.failures[1] and "2 remaining input(s) not stylized" in events.failures[1]
    else:
        assert [t.name for t in events.targets] == ["a.png", "c.png", "d.png"] and len(events.failures) == 1
    assert "b.png" not in {p.name for p in (tmp_path / "out").iterdir()}


def test_an_interrupt_names_the_input_it_cut_short(tmp_path, write_png, coffee, weights, monkeypatch) -> None:
    import animegan.inference.run as run

    photo = write_png("in/a.png", coffee[:24, :32])

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "write_image", interrupted)
    options = StylizeOptions(weights=str(weights), device="cpu", precision="fp32", quiet=True)
    with pytest.raises(KeyboardInterrupt) as info:
        stylize_all([str(photo)], tmp_path / "out", options, Recorded())
    assert info.value.__notes__ == [f"while stylizing {photo}"]
