# The two commands of the README: `make demo` and `make test`.
# Each creates .venv and installs the project into it when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Optional extras to install with the project; CI adds jax to test the JAX mode.
# The demo needs `examples`, the docs and their tests `docs`.
EXTRAS ?= test,examples,docs
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

BENCH_EXTRAS := test,jax,bench
BENCH_ARGS ?=

.PHONY: demo test docs bench bench-run clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m symmodule.demo
	$(PY) examples/digits.py --epochs 3 --plot build/digits-curves.png

docs: $(STAMP)
	$(PY) -m mkdocs build --strict

test: $(STAMP)
	$(PY) -m pytest

# The full benchmark run (about an hour): peers side by side, results in
# benchmarks/results/, the table in benchmarks/results/latest.md, the plot in docs/.
bench:
	$(MAKE) --no-print-directory EXTRAS=$(BENCH_EXTRAS) bench-run

bench-run: $(STAMP)
	$(PY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build site *.egg-info
