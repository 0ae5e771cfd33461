"""Benchmark how soon a video run stops once its output can no longer be written (a full disk, a file-size limit).

A noisy clip is stylized by the real pipeline (``stylize_video``) and the real ``Stylizer`` (random weights) in a
child process whose files may not grow past ``--limit`` bytes (``RLIMIT_FSIZE``: writes then fail with EFBIG, the
same path as ENOSPC). The child records when the encoder's first write failed and when ``stylize_video`` gave
up, and checks that nothing was left behind. Baseline: the pipeline as it was, finishing the batch in inference
before stopping (``InferenceCancel.arm`` disabled); fast path: that batch cancelled at its next layer (PyTorch)
or at once (OpenVINO's infer request). The figure that matters is the delay; their ratio is printed too.

    python benchmarks/bench_disk_full.py [--size 960x540] [--frames 24] [--batch 4] [--runtime torch]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from report import emit_json

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/helpers: the synthetic clips
from helpers.synthetic_video import make_test_video  # noqa: E402

CHILD = """
import json, resource, signal, sys, time
from pathlib import Path
import torch
from animegan.inference import cancel
from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV2
from animegan.video import encode
from animegan.video.pipeline import stylize_video

src, out, limit, batch, runtime, baseline = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), \
    sys.argv[5], sys.argv[6] == "1"
if baseline:
    cancel.InferenceCancel.arm = lambda self: None  # the pipeline before: the batch in inference runs to its end
torch.manual_seed(0)
stylizer = Stylizer(GeneratorV2(), device="cpu", runtime=runtime)
failed = {}
def recording(method):
    def wrapper(*args):
        try:
            return method(*args)
        except OSError:
            failed.setdefault("at", time.monotonic())
            raise
    return wrapper
for name in ("write_frame", "write_audio", "finish", "close"):
    setattr(encode.Encoder, name, recording(getattr(encode.Encoder, name)))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    stylize_video(src, out / "out.mp4", stylizer.stylize_batch, batch_size=batch, crf=0, show_progress=False)
    error = None
except OSError as exc:
    error = exc.errno
ended = time.monotonic()
print(json.dumps(dict(error=error, delay_s=ended - failed["at"] if failed else None,
                      left=sorted(p.name for p in out.iterdir()), runs=stylizer.describe())))
"""


def size_arg(text: str) -> tuple[int, int]:
    width, height = text.lower().split("x")
    return int(width), int(height)


def run_child(clip: Path, folder: Path, args: argparse.Namespace, baseline: bool) -> dict:
    out = folder / ("baseline" if baseline else "cancel")
    out.mkdir()
    command = [
        sys.executable,
        "-c",
        CHILD,
        str(clip),
        str(out),
        str(args.limit),
        str(args.batch),
        args.runtime,
    ]
    done = subprocess.run([*command, "1" if baseline else "0"], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    record = json.loads(done.stdout.splitlines()[-1])
    if record["error"] is None or record["delay_s"] is None or record["left"]:
        raise SystemExit(f"the write did not fail, or files were left: {record}")
    return record


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=size_arg, default=(960, 540), help="clip WxH")
    parser.add_argument("--frames", type=int, default=24, help="frames of the clip")
    parser.add_argument("--batch", type=int, default=4, help="frames per inference batch")
    parser.add_argument("--limit", type=int, default=256 * 1024, help="bytes the output may grow to")
    parser.add_argument("--runtime", default="torch", help="torch, openvino or auto (see Stylizer)")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = make_test_video(folder / "noisy.mp4", frames=args.frames, fps=24, size=args.size, noise=60.0)
        baseline = run_child(clip, folder, args, baseline=True)
        fast = run_child(clip, folder, args, baseline=False)
    report = {
        "clip": f"{args.size[0]}x{args.size[1]}, {args.frames} frames, batch {args.batch}",
        "inference": fast["runs"],
        "stop_after_failed_write_s": {"baseline": baseline["delay_s"], "cancel": fast["delay_s"]},
        "speedup": baseline["delay_s"] / max(fast["delay_s"], 1e-3),
    }
    emit_json(report, args.json)


if __name__ == "__main__":
    main()
