"""GPU check: runs the project's benchmarks at the reference GPU settings and writes gpu_check.json + .md.

Usage: ``python benchmarks/gpu_check.py OUT`` (``make gpu-check OUT=folder``). With CUDA it runs each stage at
the issue-19 sizes (training v2 adversarial 256 px batch 12, the peer's step, the v3 step, stylize 512/1080p,
1080p video); without CUDA the same stages run at tiny sizes on the CPU (a smoke run, said so in the report).
Each stage is one of the existing benchmark scripts in a child process (a failure is recorded, the rest go on).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
# stage: (script, arguments on CUDA, arguments in the CPU smoke run)
STAGES: dict[str, tuple[str, list[str], list[str]]] = {
    "train_v2": (
        "bench_train.py",
        ["--batch", "12", "--size", "256", "--steps", "10", "--warmup", "3", "--rounds", "1", "--compile"],
        ["--batch", "1", "--size", "64", "--steps", "1", "--rounds", "1"],
    ),
    "train_v3": (
        "bench_v3_targets.py",
        ["--batch", "12", "--size", "256", "--steps", "5", "--warmup", "2"],
        ["--batch", "2", "--size", "32", "--steps", "1", "--warmup", "0", "--workers", "2"],
    ),
    "stylize": (
        "bench_stylize.py",
        [
            "--sizes",
            "512,1080p",
            "--compile",
            "--no-int8",
            "--min-seconds",
            "4",
            "--memory-size",
            "7680x4320",
        ],
        [
            *["--sizes", "64", "--min-seconds", "0.05", "--peak-n", "128", "--peak-seconds", "0.05"],
            *["--e2e-sizes", "48", "--e2e-rounds", "1", "--memory", "64", "--memory-size", "200x120"],
        ],
    ),
    "video": (
        "bench_video.py",
        ["--size", "1920x1080", "--frames", "120", "--batch", "8"],
        [
            "--size",
            "96x64",
            "--frames",
            "4",
            "--batch",
            "2",
            "--temporal-size",
            "64x48",
            "--temporal-frames",
            "4",
        ],
    ),
}


def environment() -> dict[str, object]:
    """GPU model, driver, CUDA and torch versions (or the CPU, when there is no CUDA)."""
    record: dict[str, object] = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cuda_available": torch.cuda.is_available(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    if torch.cuda.is_available():
        record["gpu"] = torch.cuda.get_device_name(0)
        record["cuda"] = torch.version.cuda
        try:
            query = ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"]
            record["driver"] = subprocess.run(
                query, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            record["driver"] = "unknown"
    else:
        record["gpu"] = None
        record["cpu"] = platform.processor() or platform.machine()
    return record


def run_stage(name: str, out: Path, cuda: bool, timeout: float) -> dict[str, object]:
    """One benchmark script in a child process; its JSON record, or why it failed."""
    script, full, tiny = STAGES[name]
    result_path = out / f"{name}.json"
    command = [sys.executable, str(HERE / script), *(full if cuda else tiny), "--json", str(result_path)]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s", "seconds": timeout}
    record: dict[str, object] = {"ok": done.returncode == 0, "seconds": round(time.perf_counter() - start, 1)}
    if done.returncode == 0 and result_path.exists():
        record["result"] = json.loads(result_path.read_text())
    else:
        record["error"] = (done.stderr or done.stdout).strip().splitlines()[-5:]
    return record


def markdown(report: dict) -> str:
    """The human-readable report: environment, then one row per stage."""
    env = report["environment"]
    lines = ["# GPU check", ""]
    if not env["cuda_available"]:
        lines += ["**No CUDA device: a smoke run at tiny sizes on the CPU; these are not GPU figures.**", ""]
    lines += [f"- {key}: `{value}`" for key, value in env.items()]
    lines += ["", "| stage | ok | seconds | note |", "|---|---|---:|---|"]
    for name, stage in report["stages"].items():
        note = "" if stage["ok"] else " ".join(stage.get("error", []))[:200].replace("|", "/")
        lines.append(f"| {name} | {'yes' if stage['ok'] else 'NO'} | {stage['seconds']} | {note} |")
    lines += ["", "Full figures of every stage: gpu_check.json (and one JSON file per stage)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for gpu_check.json and gpu_check.md")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated subset of the stages")
    parser.add_argument("--stage-timeout", type=float, default=150.0, help="seconds per stage")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cuda = torch.cuda.is_available()
    report = {"environment": environment(), "stages": {}}
    for name in args.stages.split(","):
        print(f"[gpu-check] {name} ...", flush=True)
        report["stages"][name] = run_stage(name, args.out, cuda, args.stage_timeout)
    (args.out / "gpu_check.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (args.out / "gpu_check.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
