# Set-up and everyday commands. Torch is installed first, pinned, so that pip
# does not pull a multi-GB CUDA build; override with e.g.
#   make test TORCH_SPEC="torch==2.5.1"   or   TORCH_SPEC=torch make test
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin

.PHONY: setup test bench docs clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[test,docs,bench]"
	touch $@

# The test command (CI: .ci/run).
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The main job: the seed-protocol comparison on ../shared/emnist/bench letters-here.
bench: setup
	$(BIN)/python -m benchmarks seed --dataset letters-here

# The documentation, warnings as errors, every gallery example executed.
docs: setup
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) build *.egg-info docs/_build docs/auto_examples docs/gen_modules
