# animegan: `make demo` (set up, demo data, short training, stylized samples) and `make test` (set up, all tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch/torchvision first, as their own step: on machines with a local wheel cache this takes them from disk.
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
DEMO_DIR ?= demo
export WANDB_MODE ?= offline
export PYTHONUNBUFFERED := 1

.PHONY: setup browser test test-fast lint format demo bench gpu-check clean
# root installs system packages itself; anyone else through sudo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BROWSER_PACKAGES := chromium chromium-driver

setup: $(STAMP) browser

# The web UI's browser test drives Debian's chromium through chromedriver: installed when missing.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  echo "installing $(BROWSER_PACKAGES) for the web UI's browser test"; \
	  $(SUDO) apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(BROWSER_PACKAGES); } || \
	  echo "could not install $(BROWSER_PACKAGES): the web UI's browser test will be skipped"; \
	else echo "no apt-get here: the web UI's browser test will be skipped (install chromium + chromedriver)"; fi

# Rebuilt when missing or stale (pyproject.toml or this Makefile changed).
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_SPEC) || $(BIN)/python -m pip install -q torch torchvision
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

test: setup
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts benchmarks hubconf.py
	$(BIN)/ruff format --check src tests scripts benchmarks hubconf.py

format: $(STAMP)
	$(BIN)/ruff check --fix src tests scripts benchmarks hubconf.py
	$(BIN)/ruff format src tests scripts benchmarks hubconf.py

demo: $(STAMP)
	$(BIN)/python scripts/demo.py --dir $(DEMO_DIR)

gpu-check: $(STAMP)  ## GPU check (CPU smoke run without CUDA): make gpu-check OUT=folder
	$(BIN)/python benchmarks/gpu_check.py $(or $(OUT),gpu_check)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_prepare.py
	$(BIN)/python benchmarks/bench_train.py
	$(BIN)/python benchmarks/bench_stylize.py
	$(BIN)/python benchmarks/bench_video.py
	$(BIN)/python benchmarks/bench_faces.py
	$(BIN)/python benchmarks/bench_v3_targets.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) outputs multirun .pytest_cache
