#!/usr/bin/env bash
# Run HERE (with internet): downloads the wheels the GPU device machine lacks into .whl/ (git-ignored; carried
# to the device by the run tool, 64 MiB limit in all). The device already has torch, torchvision,
# pytorch-lightning, torchmetrics, OpenCV, scikit-image, onnxruntime and pytest: never download those.
# Large optional dependencies (openvino, wandb, dlib-bin, tensorboard) are left out: the GPU check and
# `pytest -m gpu` do not import them (the CPU runtime is OpenVINO; on CUDA it is PyTorch).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .whl && mkdir -p .whl
PACKAGES=(
  hydra-core==1.3.8 omegaconf==2.3.1 kornia==0.9.0 kornia-rs==0.2.0 av==18.1.0 rich markdown-it-py mdurl pygments
  safetensors imagehash pywavelets google-crc32c  # onnx (OpenVINO export, CPU only) left out: size
)
python3 -m pip download -q --no-deps --python-version 3.12 --only-binary=:all: \
  --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
  -d .whl "${PACKAGES[@]}"
# omegaconf pins antlr4 4.9.3, published only as a pure-Python sdist (the device builds it offline)
python3 -m pip download -q --no-deps --no-binary :all: -d .whl antlr4-python3-runtime==4.9.3
du -sh .whl
ls .whl
