# goldpath: two set-up commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CRM6   ?= ../shared/data/crm6

.PHONY: demo test test-fast example docs screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## Build the example workspace in ./demo-workspace and run the main job on it.
demo: $(STAMP)
	$(BIN)/goldpath demo demo-workspace

## Lint (unused imports, undefined names) and run the whole test suite (warnings are errors).
test: $(STAMP)
	$(BIN)/ruff check goldpath tests examples
	$(BIN)/python -m pytest

## Rebuild examples/crm/data from the crm6 simulation (CRM6=path, default ../shared/data/crm6).
example: $(STAMP)
	$(BIN)/python examples/crm/build.py $(CRM6)

## Regenerate docs/data-contract.md from the contract specs.
docs: $(STAMP)
	$(BIN)/python -m goldpath.contract.docs > docs/data-contract.md

## Refresh docs/screenshots/*.png from the browser test (needs /usr/bin/chromium).
screenshots: $(STAMP)
	GOLDPATH_SCREENSHOTS=1 $(BIN)/python -m pytest -m browser tests/web/test_browser.py

## Benchmark, not part of `make test`: EVENTS=10M by default, `make bench EVENTS=100M` for the big
## case (see docs/benchmarks.md, which it rewrites). Generated data goes to benchmarks/data/.
EVENTS ?= 10M
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --events $(EVENTS) --doc docs/benchmarks.md

clean:
	rm -rf $(VENV) demo-workspace .pytest_cache
