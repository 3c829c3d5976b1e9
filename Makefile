# The two commands of the README: `make demo` and `make test`.
# Each creates .venv and installs the project into it when missing.
PYTHON ?= python3
VENV ?= .venv
PY = $(VENV)/bin/python
# Optional extras to install with the project; CI adds jax to test the JAX mode.
# The demo needs `examples`, the docs and their tests `docs`. The tests are told
# which extras were installed (SYMMODULE_EXTRAS): a test of an installed extra
# fails rather than skips when its package does not import.
EXTRAS ?= test,examples,docs
# A pip requirement that pins PyTensor in this venv (the matrix's two ends).
PYTENSOR ?= pytensor
comma := ,
STAMP = $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

BENCH_EXTRAS := test,jax,bench
BENCH_ARGS ?=

# The supported range's two ends, each in its own venv: the oldest Python with
# PyTensor 3.0.x, and the newest Python here (3.13, else 3.12) with PyTensor
# 3.3.x, which needs 3.12+ and is what current PyMC requires.
MATRIX_EXTRAS ?= test,examples,docs,jax
OLDEST := .venv-py3.11-pytensor3.0
OLDEST_PYTHONS := 3.11
OLDEST_PYTENSOR := pytensor>=3.0.7,<3.1
NEWEST := .venv-newest-pytensor3.3
NEWEST_PYTHONS := 3.13 3.12
NEWEST_PYTENSOR := pytensor>=3.3,<3.4

.PHONY: demo test test-matrix test-oldest test-newest docs bench bench-run bench-versions bench-mesh bench-mesh-run clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]" "$(PYTENSOR)"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m symmodule.demo
	$(PY) examples/digits.py --epochs 3 --plot build/digits-curves.png

docs: $(STAMP)
	$(PY) -m mkdocs build --strict

test: $(STAMP)
	SYMMODULE_EXTRAS=$(EXTRAS) $(PY) -m pytest $(PYTEST_ARGS)

test-matrix: test-oldest test-newest

test-oldest:
	py=$$(scripts/find-python $(OLDEST_PYTHONS)) && $(MAKE) --no-print-directory test \
		PYTHON=$$py VENV=$(OLDEST) PYTENSOR='$(OLDEST_PYTENSOR)' EXTRAS=$(MATRIX_EXTRAS)

test-newest:
	py=$$(scripts/find-python $(NEWEST_PYTHONS)) && $(MAKE) --no-print-directory test \
		PYTHON=$$py VENV=$(NEWEST) PYTENSOR='$(NEWEST_PYTENSOR)' EXTRAS=$(MATRIX_EXTRAS),pymc

# The full benchmark run (about an hour): peers side by side, results in
# benchmarks/results/, the table in benchmarks/results/latest.md, the plot in docs/.
bench:
	$(MAKE) --no-print-directory EXTRAS=$(BENCH_EXTRAS) bench-run

bench-run: $(STAMP)
	$(PY) -m benchmarks.run $(BENCH_ARGS)

# The W3 step (batch 2048) on a mesh of 8 host devices against one device; the
# table goes to benchmarks/results/mesh.md. On the CPU the devices share the
# cores: it measures the mesh's overhead. On GPUs, run the module without XLA_FLAGS.
MESH_DEVICES ?= 8
bench-mesh:
	$(MAKE) --no-print-directory EXTRAS=$(BENCH_EXTRAS) bench-mesh-run

bench-mesh-run: $(STAMP)
	XLA_FLAGS=--xla_force_host_platform_device_count=$(MESH_DEVICES) $(PY) -m benchmarks.mesh

# The first result (W5, cold and warm caches) on both ends of the matrix, one
# after the other in one invocation, so that the two columns of
# benchmarks/results/pytensor-versions.md share the machine's conditions. W5
# needs only the jax extra (bench's PyTorch wheel exists for Python 3.11 only).
# A run that fails still leaves its record, so the table shows the failure;
# the target then exits non-zero.
VERSIONS := benchmarks/results/pytensor-versions
VERSIONS_EXTRAS := jax
VERSIONS_ARGS ?= --only W5 --impls symmodule,pytensor --dtypes float32

bench-versions:
	rm -rf $(VERSIONS)
	status=0; \
	py=$$(scripts/find-python $(OLDEST_PYTHONS)) && $(MAKE) --no-print-directory bench-run \
		PYTHON=$$py VENV=$(OLDEST) PYTENSOR='$(OLDEST_PYTENSOR)' EXTRAS=$(VERSIONS_EXTRAS) \
		BENCH_ARGS='$(VERSIONS_ARGS) --results $(VERSIONS)/oldest --no-plot' || status=1; \
	py=$$(scripts/find-python $(NEWEST_PYTHONS)) && $(MAKE) --no-print-directory bench-run \
		PYTHON=$$py VENV=$(NEWEST) PYTENSOR='$(NEWEST_PYTENSOR)' EXTRAS=$(VERSIONS_EXTRAS) \
		BENCH_ARGS='$(VERSIONS_ARGS) --results $(VERSIONS)/newest --no-plot' || status=1; \
	$(NEWEST)/bin/python -m benchmarks.versions $(VERSIONS)/oldest/*.json $(VERSIONS)/newest/*.json \
		--out $(VERSIONS).md && exit $$status

clean:
	rm -rf .venv $(OLDEST) $(NEWEST) .pytest_cache build site *.egg-info
