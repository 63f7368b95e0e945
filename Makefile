# The two set-up commands of the README, and the checks and publishing steps CI runs.
#   make study   -- Python environment (pinned, pip) + the whole default study
#   make test    -- the same environment + test/lint tools, then lint (beside compiling the
#                   numba kernels) and the test suite
#   make report  -- the study (if not up to date), then report.html and report.zip in the
#                   config's results folder (and site/index.html there, the page publish.yml
#                   deploys)
#   make tiny    -- the tiny study of .test/config/config.yaml and its HTML report (CI)
#   make check   -- the edit loop (under a minute): ruff, snakefmt and the unit tests
#   make docs-figure -- the README's figure (docs/figures/heatmap.png) from the study's run
# Another study: make study CONFIG=my-study.yaml, then make report CONFIG=my-study.yaml
# (--report must see the same --configfile as the run).

# PYTHON: the interpreter that creates the environment (3.11 or newer), e.g.
#   make study PYTHON=python3.12
PYTHON ?= python3
VENV ?= .venv
CORES ?= 4
CONFIG ?=
BIN := $(VENV)/bin
CONFIGFILE := $(if $(CONFIG),--configfile $(CONFIG))
TINY := --configfile .test/config/config.yaml
# The config's results folder (`results:`, default results), where make report writes.
RESULTS = $(shell $(BIN)/python -c "import sys, yaml; print((yaml.safe_load(open(sys.argv[1])) or {}).get('results', 'results'))" $(or $(CONFIG),config/config.yaml))
GITHUB_WORKFLOWS := .github/workflows/ci.yml .github/workflows/publish.yml

.PHONY: study report tiny test lint kernels pytest check docs-figure clean-results

# The pinned libraries, then the project itself (editable: `python -m initstudy` and the
# Python example of docs/python.md import this checkout's src/, as the workflow's jobs do).
$(BIN)/.study-installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --editable .
	touch $@

$(BIN)/.dev-installed: $(BIN)/.study-installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

study: $(BIN)/.study-installed
	$(BIN)/snakemake --cores $(CORES) $(CONFIGFILE)

report: study
	$(BIN)/snakemake --report $(RESULTS)/report.html $(CONFIGFILE)
	$(BIN)/snakemake --report $(RESULTS)/report.zip $(CONFIGFILE)
	mkdir -p $(RESULTS)/site && cp $(RESULTS)/report.html $(RESULTS)/site/index.html

tiny: $(BIN)/.study-installed
	$(BIN)/snakemake --cores $(CORES) $(TINY)
	$(BIN)/snakemake --report results/tiny/report.html $(TINY)

# The edit loop (CONTRIBUTING.md): style, then the unit tests on every CPU (pytest-xdist);
# no Snakemake run and no study. `make test` runs everything.
UNIT := not workflow and not slow and not slurm
check: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow
	$(BIN)/python -m pytest -q -n auto -m "$(UNIT)"

# The README's one figure: the default study's heatmap, copied from its run.
docs-figure: study
	cp $(RESULTS)/figures/heatmap.png docs/figures/heatmap.png

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow
	$(BIN)/snakemake --lint --cores 1
	PYTHONPATH=src $(BIN)/lint-imports
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows $(GITHUB_WORKFLOWS)
	$(BIN)/check-jsonschema --builtin-schema vendor.citation-file-format CITATION.cff

# Every CPU (pytest-xdist), a test file per worker; the default study's tests start first
# (tests/conftest.py groups them), so that no worker starts its four minutes at the end.
pytest: $(BIN)/.dev-installed
	$(BIN)/python -m pytest -n auto --dist loadgroup --no-loadscope-reorder

# The numba kernels compiled into numba's cache (beside src/), in two processes as the
# workflow's two compile_kernels jobs split them: the training kernel `run` and the step-by-step
# ones (about 50 s of one core each, 56 s wall on two cores, cold). `make test` runs it beside
# the linters (a few seconds), so that the tests' warm-up (tests/conftest.py) finds every
# kernel cached.
COMPILE_KERNELS := $(BIN)/python -c "import sys; from initstudy.model.net import compile_numba_kernels; compile_numba_kernels(tuple(sys.argv[1:]))"
kernels: $(BIN)/.study-installed
	$(COMPILE_KERNELS) run & run=$$!; $(COMPILE_KERNELS) forward backward step && wait $$run

test: $(BIN)/.dev-installed
	$(MAKE) --no-print-directory -j2 lint kernels
	$(MAKE) --no-print-directory pytest

clean-results:
	rm -rf results .snakemake
