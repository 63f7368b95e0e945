# The two set-up commands of the README, and the checks CI runs.
#   make study   -- Python environment (pinned, pip) + the whole default study
#   make test    -- the same environment + test/lint tools, then lint and the test suite

PYTHON ?= python3
VENV ?= .venv
CORES ?= 4
BIN := $(VENV)/bin

.PHONY: study test lint pytest clean-results

$(BIN)/.study-installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.dev-installed: $(BIN)/.study-installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

study: $(BIN)/.study-installed
	$(BIN)/snakemake --cores $(CORES)

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow
	$(BIN)/snakemake --lint --cores 1

pytest: $(BIN)/.dev-installed
	$(BIN)/python -m pytest

test: lint pytest

clean-results:
	rm -rf results .snakemake
