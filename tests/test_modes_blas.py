"""PyTensor's warning about a missing BLAS: never shown in modes without C code, one line in the others.

Each test runs a fresh interpreter, since PyTensor looks for a BLAS once per
process, the first time its ``blas__ldflags`` setting is read.
"""

import functools
import subprocess
import sys
import textwrap

import pytest
from extras import need

from symmodule.errors import NO_BLAS

# PyTensor's own text (five lines), and a phrase of symmodule's one line.
PYTENSOR_TEXT = "PyTensor could not link to a BLAS installation"
OUR_TEXT = NO_BLAS.split(",")[0]

# A Module whose methods hold a matrix product: the Op a BLAS would run.
SCRIPT = """
import sys
import numpy as np
import symmodule
from symmodule import tensor as T

m = symmodule.Module()
x = T.dmatrix("x")
m.w = T.dmatrix()
m.step = symmodule.Method(x, T.dot(x, m.w).sum(), w=m.w - 0.1 * T.dot(x.T, x))
for mode in sys.argv[1:]:
    inst = m.make(w=np.eye(3), mode=mode)
    assert inst.step(np.ones((2, 3))) == 6.0
"""


def _run(*modes: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *modes], capture_output=True, text=True, timeout=600, check=True
    )


@functools.cache
def _pytensor_finds_no_blas() -> bool:
    probe = "import pytensor; pytensor.config.blas__ldflags"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600, check=True)
    return PYTENSOR_TEXT in result.stderr


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "NUMBA", "JAX"])
def test_modes_without_c_code_never_mention_blas(mode):
    if mode == "JAX":
        need("jax")
    result = _run(mode)
    assert "BLAS" not in result.stderr


def test_a_c_mode_says_in_one_line_what_a_missing_blas_means():
    result = _run("FAST_COMPILE", "CVM", "CVM")
    assert PYTENSOR_TEXT not in result.stderr
    assert result.stderr.count(OUR_TEXT) == (1 if _pytensor_finds_no_blas() else 0)
    if _pytensor_finds_no_blas():
        # It points at the user's call (the script's make()), not at symmodule's code.
        assert result.stderr.startswith("<string>:") and "UserWarning: PyTensor found no BLAS" in result.stderr


def test_a_mode_object_with_c_code_gets_the_same_line():
    script = SCRIPT.replace(
        "for mode in sys.argv[1:]:",
        "for mode in [symmodule.ProfileMode(optimizer='fast_run', linker=symmodule.gof.OpWiseCLinker())]:",
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True)
    assert PYTENSOR_TEXT not in result.stderr
    assert result.stderr.count(OUR_TEXT) == (1 if _pytensor_finds_no_blas() else 0)


def test_the_line_says_which_modes_it_concerns_and_how_to_link_a_blas():
    assert "\n" not in NO_BLAS
    for phrase in ("'CVM'", "'C'", "'NUMBA'", "'JAX'", "PYTENSOR_FLAGS=blas__ldflags="):
        assert phrase in NO_BLAS
