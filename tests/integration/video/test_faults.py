"""Faults mid-run, tried as a user would: a full disk or file-size limit while writing, SIGTERM / Ctrl-C, SIGKILL
and the same command again. Each runs the real command in a child process on a synthetic clip made here.

A fault ends the run within seconds (the child is given a timeout: a hang fails the test), with one line naming
the input and the cause, and leaves nothing in the output folder: no partial file, no temporary file.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.synthetic_video import make_test_video
from PIL import Image

LIMIT = 64 * 1024  # RLIMIT_FSIZE for the "disk full" runs: bytes any one file may grow to
FAULT_TIMEOUT = 120  # seconds: only a hang comes near this


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """A noisy clip whose output passes LIMIT early on, and one long enough to signal mid-video."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "noisy": make_test_video(folder / "noisy.mp4", frames=240, fps=24, size=(128, 96), noise=60.0),
        "long": make_test_video(folder / "long.mp4", frames=160, fps=24, size=(96, 64), noise=10.0),
    }


def noise_png(path: Path, h: int, w: int, seed: int = 0) -> Path:
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)).save(path)
    return path


def stylize_command(*args: str | Path, weights: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "animegan.cli",
        "stylize",
        *map(str, args),
        "--weights",
        str(weights),
        "--device",
        "cpu",
        "--precision",
        "fp32",
        "--quiet",
        "--crf",
        "0",
    ]  # fmt: skip  (lossless: the video outgrows LIMIT within its first frames)


def limit_file_size() -> None:
    """In the child: writes past LIMIT bytes fail with EFBIG instead of killing it (as ``ulimit -f``)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.slow
def test_file_size_limit_mid_video_and_on_an_image(tmp_path, clips, fabricated_weights):
    """EFBIG while encoding and while saving: one line each, the next input (small) still done."""
    big = noise_png(tmp_path / "big.png", 400, 400)
    small = noise_png(tmp_path / "small.png", 24, 32)
    out = tmp_path / "out"
    done = subprocess.run(
        stylize_command(clips["noisy"], big, small, "-o", out, weights=fabricated_weights),
        preexec_fn=limit_file_size, capture_output=True, text=True, timeout=FAULT_TIMEOUT,
    )  # fmt: skip
    lines = error_lines(done.stderr)
    assert done.returncode == 1, done.stderr
    assert lines == [
        f"animegan stylize: error: {clips['noisy']}: cannot write {out / 'noisy.mp4'} (File too large)",
        f"animegan stylize: error: {big}: cannot write {out / 'big.png'} (File too large)",
        "stylized 1 of 3 input(s), 2 failed",
    ]
    assert done.stdout.splitlines() == [str(out / "small.png")]
    assert [p.name for p in out.iterdir()] == ["small.png"]  # no partial video, no temporary file


PIPELINE_CHILD = """
import json, resource, signal, sys, threading
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from animegan.video.pipeline import stylize_video
stylized = []
def identity(frames):
    stylized.extend(frames)
    return frames
out = Path(sys.argv[2])
try:
    stylize_video(sys.argv[1], out / "out.mp4", identity, batch_size=4, show_progress=False)
    error = None
except OSError as exc:
    error = [type(exc).__name__, exc.errno]
threads = [t.name for t in threading.enumerate() if t.name.startswith("animegan-")]
print(json.dumps(dict(error=error, threads=threads, stylized=len(stylized), left=sorted(p.name for p in out.iterdir()))))
"""


@pytest.mark.slow
def test_a_write_error_stops_every_pipeline_thread(tmp_path, clips):
    """The encoder thread's EFBIG stops decoding and inference too, long before the clip's end."""
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", PIPELINE_CHILD.format(limit=LIMIT), str(clips["noisy"]), str(out)],
        capture_output=True, text=True, timeout=FAULT_TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["error"] == ["OSError", 27]  # EFBIG, as a plain OSError: not taken for a corrupt input
    assert report["threads"] == [] and report["left"] == []
    assert report["stylized"] < 240 // 2  # inference stopped within the queues' depth of the fault


SLOW_INFERENCE_CHILD = """
import json, resource, signal, sys, threading, time
from pathlib import Path
import torch
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from animegan.video import encode
from animegan.video.pipeline import stylize_video
calls, failed = [], {{}}
class Slow(torch.nn.Module):
    def forward(self, x):
        calls.append(time.monotonic())
        time.sleep({layer_seconds})
        return x
net = torch.nn.Sequential(*[Slow() for _ in range({layers})])
batches = []
def stylize(frames):
    net(torch.zeros(1))
    batches.append(time.monotonic())
    return frames
write_frame = encode.Encoder.write_frame
def failing_write(self, frame, rgb):
    try:
        return write_frame(self, frame, rgb)
    except OSError:
        failed.setdefault("at", time.monotonic())
        raise
encode.Encoder.write_frame = failing_write
out = Path(sys.argv[2])
try:
    stylize_video(sys.argv[1], out / "out.mp4", stylize, batch_size=4, show_progress=False)
    error = None
except OSError as exc:
    error = [type(exc).__name__, exc.errno]
ended = time.monotonic()
at = failed["at"]
print(json.dumps(dict(
    error=error, delay=ended - at, calls_after=sum(t > at for t in calls),
    batches_after=sum(t > at for t in batches), batches=len(batches),
    threads=[t.name for t in threading.enumerate() if t.name.startswith("animegan-")],
    left=sorted(p.name for p in out.iterdir()), hooks=len(torch.nn.modules.module._global_forward_pre_hooks),
)))
"""
# a batch takes 0.5 s: without cancelling, the batch in inference when the write fails runs to its end
LAYERS, LAYER_SECONDS = 20, 0.025


@pytest.mark.slow
def test_a_write_error_abandons_the_batch_in_inference(tmp_path, clips):
    """Inference is the slow stage (a batch of large frames takes tens of seconds on a CPU): once a write fails,
    the batch being stylized stops at its next layer instead of running to its end, and no hook is left behind."""
    out = tmp_path / "out"
    out.mkdir()
    child = SLOW_INFERENCE_CHILD.format(limit=LIMIT, layers=LAYERS, layer_seconds=LAYER_SECONDS)
    done = subprocess.run(
        [sys.executable, "-c", child, str(clips["noisy"]), str(out)],
        capture_output=True, text=True, timeout=FAULT_TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    print(
        f"stopped {report['delay']:.2f} s after the first failed write ({report['calls_after']} layer calls)"
    )
    assert report["error"] == ["OSError", 27]
    assert report["batches"] >= 1 and report["batches_after"] == 0  # the batch in flight was abandoned
    assert report["calls_after"] <= 1  # ... at its next layer (the one running may finish)
    assert report["threads"] == [] and report["left"] == [] and report["hooks"] == 0


def can_mount_tmpfs(folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(folder)], capture_output=True
    )
    return mounted.returncode == 0


@pytest.mark.slow
def test_a_full_disk_stops_the_run(tmp_path, clips, fabricated_weights):
    """ENOSPC on a tiny tmpfs (needs root to mount; skipped elsewhere): the run stops, later inputs untried."""
    disk = tmp_path / "disk"
    if not can_mount_tmpfs(disk):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        first, last = noise_png(tmp_path / "first.png", 24, 32), noise_png(tmp_path / "last.png", 24, 32, 1)
        out = disk / "out"
        done = subprocess.run(
            stylize_command(first, clips["noisy"], last, "-o", out, weights=fabricated_weights),
            capture_output=True, text=True, timeout=FAULT_TIMEOUT,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert [p.name for p in out.iterdir()] == ["first.png"]  # no partial, no temporary file
        assert error_lines(done.stderr) == [
            f"animegan stylize: error: {clips['noisy']}: cannot write {out / 'noisy.mp4'} (No space left on device)",
            f"animegan stylize: error: {out}: stopping, writing there fails (No space left on device); "
            "1 remaining input(s) not stylized",
            "stylized 1 of 3 input(s), 2 failed",
        ]
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def wait_for_partial(folder: Path, child: subprocess.Popen, timeout: float = 60) -> Path:
    """The temporary file of the run in ``child``, once it has started writing it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        partials = [p for p in folder.glob(".*.partial-*")] if folder.is_dir() else []
        if partials and partials[0].stat().st_size > 0:
            return partials[0]
        assert child.poll() is None, child.communicate()
        time.sleep(0.02)
    raise AssertionError("no temporary file appeared")


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_ctrl_c_mid_video(tmp_path, clips, fabricated_weights, signum, status):
    out = tmp_path / "out"
    child = subprocess.Popen(
        stylize_command(clips["long"], "-o", out, weights=fabricated_weights), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        partial = wait_for_partial(out, child)
        child.send_signal(signum)
        stdout, stderr = child.communicate(timeout=10)  # the bound: stopped within 10 s
    finally:
        child.kill()
    assert child.returncode == status
    name = signal.Signals(signum).name
    assert error_lines(stderr) == [
        f"animegan: error: stopped by {name} while stylizing {clips['long']}; unfinished output removed"
    ]
    assert stdout == "" and not partial.exists() and list(out.iterdir()) == []


@pytest.mark.slow
def test_sigkill_mid_video_then_the_same_command(tmp_path, clips, fabricated_weights):
    out = tmp_path / "out"
    command = stylize_command(clips["long"], "-o", out, weights=fabricated_weights)
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = wait_for_partial(out, child)
    child.kill()
    child.wait(timeout=10)
    assert partial.exists()  # nothing can clean up after SIGKILL: the next run must
    again = subprocess.run(command, capture_output=True, text=True, timeout=FAULT_TIMEOUT)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [str(out / "long.mp4")]
    assert [p.name for p in out.iterdir()] == ["long.mp4"]
