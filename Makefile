# The README's commands. Each target builds .venv when it is missing or stale.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast bench lint typecheck clean govuk-assets

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m engine.demo

# The gates first: lint and strict types fail fast, before the suite runs (CI: .ci/run).
test: lint typecheck
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not postgres and not prefect and not browser and not slow"

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check engine flows tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Maintainers only: rebuild the committed GOV.UK Frontend stylesheet with npm (the
# README's commands never need npm).
govuk-assets:
	sh tools/govuk-frontend/build.sh

clean:
	rm -rf $(VENV) .liaison .pytest_cache .mypy_cache
