# Set-up and everyday commands. Torch is installed first, pinned, so that the
# package's own install keeps it instead of resolving another (CUDA) build;
# override with e.g.
#   make test TORCH_SPEC="torch==2.5.1"   or   TORCH_SPEC=torch make test
# On Linux, PyPI's torch wheels are the multi-GB CUDA builds; the CPU build
# comes from PyTorch's own index:
#   make test TORCH_INDEX=https://download.pytorch.org/whl/cpu
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
BIN := $(VENV)/bin

.PHONY: setup test bench docs clean FORCE

setup: $(VENV)/.installed

# The torch request, rewritten only when TORCH_SPEC or TORCH_INDEX changes, so
# that a changed request re-runs the set-up of an existing .venv.
$(VENV)/.torch-request: FORCE
	@mkdir -p $(VENV)
	@echo '$(TORCH_SPEC) $(TORCH_INDEX)' | cmp -s - $@ || echo '$(TORCH_SPEC) $(TORCH_INDEX)' > $@

$(VENV)/.installed: pyproject.toml Makefile $(VENV)/.torch-request
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url "$(TORCH_INDEX)")
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

FORCE:

clean:
	rm -rf $(VENV) build *.egg-info docs/_build docs/auto_examples docs/gen_modules
