#!/usr/bin/env bash
# Run ON the GPU device machine, after scripts/gpu_device_prepare.sh ran here. The run tool invocation:
#   run(command="bash scripts/gpu_device_run.sh", carry=[".whl"], timeout_s=480)
# Installs the carried wheels (no network there), the project without dependencies, checks the imports,
# runs `pytest -m gpu`, then the GPU check into $OUT (gpu_check.json / gpu_check.md come back).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu_check}"
mkdir -p "$OUT"
python -m pip install -q --no-index --no-build-isolation --find-links .whl .whl/* 2>&1 | tail -3
python -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | tail -3
python - <<'PY' 2>&1 | tee "$OUT/imports.txt"
import importlib
for name in ("torch", "pytorch_lightning", "hydra", "omegaconf", "kornia", "av", "safetensors", "animegan"):
    module = importlib.import_module(name)
    print(name, getattr(module, "__version__", "?"))
import torch
print("cuda", torch.cuda.is_available(), torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
PY
timeout 150 python -m pytest -m gpu -q -p no:cacheprovider tests 2>&1 | tail -30 | tee "$OUT/pytest_gpu.txt"
timeout 300 python benchmarks/gpu_check.py "$OUT" --stage-timeout 90 2>&1 | tail -40
