"""Benchmarks of symmodule against raw PyTensor and its peers.

Run them with ``python -m benchmarks.run`` (``--quick`` for the CI check);
``docs/benchmarks.md`` explains what each workload measures.

Layout
------
``w1_regression.py`` ... ``w6_memory.py``
    One file per workload: the problem (sizes, data, initial weights, all
    drawn with NumPy from a fixed seed) and how it is measured.
``implementations/``
    One file per implementation family (symmodule, raw PyTensor, NumPy,
    PyTorch eager, jax.jit, flax.nnx): how that family builds each problem.
``harness.py``
    Timing (warm-up, then the median of repeated blocks) and memory (RSS).
``worker.py``
    Runs one workload with one implementation in a fresh process and writes
    its measurements as JSON.
``run.py``
    Starts the workers, checks that every implementation reached the same
    loss, and writes ``results/`` (one JSON per run, ``latest.md``) and
    ``docs/benchmarks.png`` through ``report.py``.
"""
