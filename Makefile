# wbcs — one-command set-up, demo and tests. Everything installs into .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/demo
PYTEST_ARGS ?=

.PHONY: help install system demo test test-fast lab lint benchmarks models fingerprints clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# torch first and pinned: it is the CPU build on this machine's disk; letting
# transformers pull torch would fetch a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[all]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install wbcs with every extra

# Chromium renders PNG/SVG charts (kaleido) and runs the browser checks; fonts-wqy-zenhei draws
# Chinese. Best effort: installed from Debian when apt-get is there and we may use it.
system:  ## install Chromium and a Chinese font from Debian if missing (for PNG export and browser tests)
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null) \
	  || echo "make system: Chromium not installed (no apt-get or not root); PNG export and browser tests are skipped"; }

demo: $(STAMP)  ## run the whole pipeline on the default data; prints where the outputs are
	$(BIN)/python -m wbcs.demo --out $(OUT)

test: $(STAMP) system  ## the whole test suite, notebooks included (what CI runs)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-fast: $(STAMP)  ## the suite without slow tests and notebooks
	$(BIN)/python -m pytest -n 2 -m "not slow and not notebook" $(PYTEST_ARGS)

# Jupyter refuses to start as root without --allow-root; this project's machine runs as root
lab: $(STAMP)  ## open JupyterLab on notebooks/
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check wbcs tests benchmarks

benchmarks: $(STAMP)  ## run the benchmarks and print their tables (see BENCHMARKS.md)
	$(BIN)/python -m benchmarks.run

models: $(STAMP)  ## build the large models: Gemma 3 270M float cache, fine-tuned Gemma sentiment (~30 min); the shipped classifier if missing
	$(BIN)/python -c "from wbcs.classify.gemma import backbone_path; print(backbone_path())"
	test -f models/wbcs-gemma-sentiment/1/manifest.json || nice -n 10 $(BIN)/wbcs train --task sentiment \
	  --model transformer --backbone gemma3-270m --top-layers 4 --lr 5e-5 --epochs 1 --max-length 96 \
	  --batch-size 8 --out models/wbcs-gemma-sentiment/1
	ls models/wbcs-default/*/manifest.json >/dev/null 2>&1 || $(BIN)/wbcs train --task default \
	  --teacher models/wbcs-gemma-sentiment/1 --out models/wbcs-default/1

# a make target, not a wbcs command: it rewrites a committed folder of models/, a maintainer's step as 'make models'
# is, after a change of wbcs.pii.mask_pii or of the text hash (tests/test_learnt_refresh.py fails until it is run);
# it refuses when the data no longer holds the texts the model learnt
fingerprints: $(STAMP)  ## rebuild the shipped model's training-text fingerprints (<field>.learnt.npy) from its card's data
	$(BIN)/python -c "from wbcs.classify.train import refresh_fingerprints; print(refresh_fingerprints())"

clean:  ## remove the environment and generated outputs
	rm -rf $(VENV) out .pytest_cache .hypothesis
