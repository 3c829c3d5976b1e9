"""The Ops' NumPy, Numba and JAX code give the same answers; how the Numba and JAX code get registered.

Every Op runs in every mode on a few geometries, forward and gradients,
and is compared with FAST_COMPILE (its ``perform``, the NumPy code, which
``test_conv.py`` and ``test_pool.py`` check against oracles). JAX is
reached three ways: ``symmodule.function``, a Module Method, and plain
``pytensor.function(mode="JAX")`` after ``register_jax_kernels()``. One
function per mode and dtype computes everything (Numba compiles take
seconds). The run-time refusals are checked in every mode, message for
message, in ``test_conv.py`` and ``test_pool.py``.

Registration is what a test process cannot undo (PyTensor's dispatch keeps
what it was given), so the tests that need a process where it has not
happened yet run one.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from extras import need

import symmodule
from symmodule.nn.ops import (
    Conv2dFilterGrad,
    Conv2dInputGrad,
    Conv2dOp,
    Geometry,
    KernelOp,
    MaxPool2dGradGrad,
    Pool2dGrad,
    Pool2dOp,
    backends,
    register_jax_kernels,
)

RTOL = {"float64": 1e-12, "float32": 1e-5}

# name -> geometry; every convolution reads X (2, 3, 8, 7) with filters W (4, 3, 3, 2)
GEOMETRIES = {
    "float64": {
        "plain": Geometry(),
        "strided-padded": Geometry((2, 3), ((1, 0), (0, 2)), (1, 1)),  # rows and columns in no window
        "dilated": Geometry((1, 2), ((0, 1), (2, 0)), (2, 1)),
    },
    "float32": {"everything": Geometry((2, 1), ((1, 2), (0, 1)), (1, 2))},
}
# (kernel, stride) of the poolings, each by max and by mean, of XP (2, 3, 7, 8), which has ties
POOLS = {
    "float64": [((2, 2), (2, 2)), ((3, 2), (1, 2))],
    "float32": [((3, 2), (2, 1))],
}
X_SHAPE, W_SHAPE, XP_SHAPE = (2, 3, 8, 7), (4, 3, 3, 2), (2, 3, 7, 8)

# How a mode's function is made: symmodule.function, a Module Method, or plain pytensor.function.
WAYS = {
    "CVM": ("CVM", "function"),
    "NUMBA": ("NUMBA", "function"),
    "JAX": ("JAX", "function"),
    "JAX-Method": ("JAX", "method"),
    "JAX-plain-pytensor": ("JAX", "pytensor"),
}


def graph(dtype):
    """``(inputs, {output name: output}, {input: value})``: every Op, over a few geometries."""
    rng = np.random.default_rng(0)
    x, w, xp, xn = (pt.tensor(dtype=dtype, shape=(None,) * 4, name=n) for n in ("x", "w", "xp", "xn"))
    values = {
        x: rng.standard_normal(X_SHAPE),
        w: rng.standard_normal(W_SHAPE),
        xp: rng.integers(0, 3, XP_SHAPE).astype(float),  # ties in most windows
        xn: rng.standard_normal((1, 2, 4, 4)),
    }
    values[xn][0, 0, 0, 0] = values[xn][0, 1, 1, 2] = np.nan
    outputs = {}
    for name, geometry in GEOMETRIES[dtype].items():
        g = pt.tensor(dtype=dtype, shape=(None,) * 4, name=f"g[{name}]")
        values[g] = rng.standard_normal((2, 4, *geometry.output_shape(X_SHAPE, W_SHAPE[2:])))
        outputs[f"conv[{name}]"] = Conv2dOp(geometry)(x, w)
        outputs[f"input_grad[{name}]"] = Conv2dInputGrad(geometry)(g, w, x)
        outputs[f"filter_grad[{name}]"] = Conv2dFilterGrad(geometry)(x, g, w)
    for kernel, stride in POOLS[dtype]:
        for reduction in ("max", "mean"):
            name = f"{reduction}, kernel {kernel}, stride {stride}"
            g = pt.tensor(dtype=dtype, shape=(None,) * 4, name=f"g[{name}]")
            out_shape = Geometry(stride=stride).output_shape(XP_SHAPE, kernel)
            values[g] = rng.standard_normal((2, 3, *out_shape))
            out = Pool2dOp(kernel, stride, reduction)(xp)
            outputs[f"pool[{name}]"] = out
            outputs[f"pool_grad[{name}]"] = Pool2dGrad(kernel, stride, reduction)(xp, out, g)
    outputs["max_pool_of_nan"] = Pool2dOp((2, 2), (1, 1), "max")(xn)
    values = {variable: value.astype(dtype) for variable, value in values.items()}
    return list(values), outputs, values


def compile_(inputs, outputs, way):
    """A callable of ``inputs`` returning ``outputs``, made the ``way`` named."""
    mode, how = WAYS.get(way, (way, "function"))
    if mode == "JAX":
        need("jax")
    if how == "function":
        return symmodule.function(inputs, outputs, mode=mode)
    if how == "method":
        module = symmodule.Module()
        module.f = symmodule.Method(inputs, outputs)
        return module.make(mode=mode).f
    register_jax_kernels()
    return pytensor.function(inputs, outputs, mode=mode)


_RESULTS: dict = {}


def results(way, dtype):
    """``{output name: value}`` computed by the function made ``way`` (each made once per module)."""
    if (way, dtype) not in _RESULTS:
        inputs, outputs, values = graph(dtype)
        f = compile_(inputs, list(outputs.values()), way)
        _RESULTS[way, dtype] = dict(zip(outputs, (np.asarray(value) for value in f(*values.values()))))
    return _RESULTS[way, dtype]


@pytest.fixture(params=list(WAYS))
def way(request):
    return request.param


@pytest.fixture(params=list(RTOL))
def dtype(request):
    return request.param


def assert_same_as_fast_compile(way, dtype, kind):
    got, expected = results(way, dtype), results("FAST_COMPILE", dtype)
    names = [name for name in expected if name.startswith(f"{kind}[")]
    assert names
    for name in names:
        assert got[name].dtype == dtype, name
        assert got[name].shape == expected[name].shape, name
        scale = np.abs(expected[name]).max()
        np.testing.assert_allclose(
            got[name], expected[name], rtol=RTOL[dtype], atol=RTOL[dtype] * scale, err_msg=f"{name} in {way}"
        )


# -- same answers ---------------------------------------------------------------------------


def test_convolution_is_the_same_in_every_mode(way, dtype):
    assert_same_as_fast_compile(way, dtype, "conv")


def test_convolution_input_gradient_is_the_same_in_every_mode(way, dtype):
    assert_same_as_fast_compile(way, dtype, "input_grad")


def test_convolution_filter_gradient_is_the_same_in_every_mode(way, dtype):
    assert_same_as_fast_compile(way, dtype, "filter_grad")


def test_pooling_is_the_same_in_every_mode(way, dtype):
    assert_same_as_fast_compile(way, dtype, "pool")


def test_pooling_gradient_with_ties_is_the_same_in_every_mode(way, dtype):
    assert_same_as_fast_compile(way, dtype, "pool_grad")


def test_max_pooling_propagates_nan_in_every_mode(way, dtype):
    got = results(way, dtype)["max_pool_of_nan"]
    expected = results("FAST_COMPILE", dtype)["max_pool_of_nan"]
    assert np.isnan(expected).sum() == 1 + 4  # a corner in one window, an inner entry in four
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "CVM", "NUMBA", "JAX"])
def test_non_contiguous_arguments_give_the_same_answers(mode):
    # Views read backwards, every other entry: Numba compiles the kernels for such arrays too.
    geometry = GEOMETRIES["float64"]["strided-padded"]
    x, w, g, gp = (pt.dtensor4(name) for name in ("x", "w", "g", "gp"))
    pool = Pool2dOp((3, 2), (1, 2), "max")(x)
    outputs = [
        Conv2dOp(geometry)(x, w),
        Conv2dInputGrad(geometry)(g, w, x),
        Conv2dFilterGrad(geometry)(x, g, w),
        pool,
        Pool2dGrad((3, 2), (1, 2), "max")(x, pool, gp),
    ]
    rng = np.random.default_rng(3)
    args = [rng.integers(-2, 3, X_SHAPE).astype(float), rng.standard_normal(W_SHAPE)]
    args.append(rng.standard_normal((2, 4, *geometry.output_shape(X_SHAPE, W_SHAPE[2:]))))
    args.append(rng.standard_normal((2, 3, 6, 3)))
    strided = []
    for value in args:
        wide = np.zeros(value.shape[:3] + (2 * value.shape[3],))
        wide[..., ::2] = value[..., ::-1]
        strided.append(wide[..., -2::-2])  # the same values
    assert all(np.array_equal(a, b) for a, b in zip(strided, args))
    assert not any(a.flags.c_contiguous or a.flags.f_contiguous for a in strided)
    expected = symmodule.function([x, w, g, gp], outputs, mode="FAST_COMPILE")(*args)
    got = compile_([x, w, g, gp], outputs, mode)(*strided)
    for k, (a, b) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-12, atol=1e-12, err_msg=f"output {k}")


def second_derivatives(kind, mode):
    """Hessian-vector products (the gradient of <gradient, v>), computed in ``mode`` and in FAST_COMPILE."""
    x, w, g, v = (pt.dtensor4(name) for name in ("x", "w", "g", "v"))
    rng = np.random.default_rng(5)
    if kind == "conv":
        y = Conv2dOp(GEOMETRIES["float64"]["dilated"])(x, w)
        gx = pytensor.grad(0.5 * (y**2).sum(), x)
        inputs, outputs = [x, w, v], pytensor.grad((gx * v).sum(), [x, w])
        args = [rng.standard_normal(X_SHAPE), rng.standard_normal(W_SHAPE), rng.standard_normal(X_SHAPE)]
    else:
        outputs = []
        for reduction in ("max", "mean"):
            gx = pytensor.grad((Pool2dOp((3, 2), (1, 2), reduction)(x) * g).sum(), x)
            outputs.append(pytensor.grad((gx * v).sum(), g))
        inputs = [x, g, v]
        args = [rng.integers(0, 3, XP_SHAPE).astype(float), rng.standard_normal((2, 3, 5, 4))]
        args.append(rng.standard_normal(XP_SHAPE))
    expected = symmodule.function(inputs, outputs, mode="FAST_COMPILE")(*args)
    return [np.asarray(value) for value in compile_(inputs, outputs, mode)(*args)], expected


@pytest.mark.parametrize("mode", ["CVM", "NUMBA", "JAX"])
def test_second_derivatives_of_a_convolution_are_the_same_in_every_mode(mode):
    got, expected = second_derivatives("conv", mode)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())


@pytest.mark.parametrize("mode", ["CVM", "NUMBA", "JAX"])
def test_second_derivatives_of_pooling_with_ties_are_the_same_in_every_mode(mode):
    got, expected = second_derivatives("pool", mode)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_numba_mode_runs_the_numba_kernels_not_perform(monkeypatch):
    def refuse(*args):
        raise AssertionError("perform ran in NUMBA mode")

    for op in (Conv2dOp, Conv2dInputGrad, Conv2dFilterGrad, Pool2dOp, Pool2dGrad, MaxPool2dGradGrad):
        monkeypatch.setattr(op, "perform", refuse)
    inputs, outputs, values = graph("float64")
    f = symmodule.function(inputs, list(outputs.values()), mode="NUMBA")
    got = dict(zip(outputs, f(*values.values())))
    np.testing.assert_allclose(got["conv[plain]"], results("FAST_COMPILE", "float64")["conv[plain]"], rtol=1e-12)


# -- pickling -------------------------------------------------------------------------------


OPS = [
    Conv2dOp(Geometry((2, 1), ((1, 0), (0, 2)), (1, 3))),
    Conv2dInputGrad(Geometry(stride=(2, 2))),
    Conv2dFilterGrad(Geometry(dilation=(2, 1))),
    Pool2dOp((3, 2), (1, 2), "max"),
    Pool2dGrad((2, 2), (2, 2), "mean"),
    MaxPool2dGradGrad((2, 3), (1, 1)),
]


@pytest.mark.parametrize("op", OPS, ids=lambda op: type(op).__name__)
def test_an_op_pickles_to_an_equal_op(op):
    copy = pickle.loads(pickle.dumps(op))
    assert type(copy) is type(op) and copy == op and hash(copy) == hash(op)
    assert copy.geometry == op.geometry


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "NUMBA", "JAX"])
def test_a_compiled_function_round_trips_through_pickle(mode):
    if mode == "JAX":
        need("jax")
    x, w = pt.dtensor4("x"), pt.dtensor4("w")
    y = Conv2dOp(Geometry((2, 1), ((1, 0), (0, 1)), (1, 2)))(x, w)
    gx, gw = pytensor.grad((y**2).sum(), [x, w])
    f = symmodule.function([x, w], [Pool2dOp((2, 2), (1, 1), "max")(y), gx, gw], mode=mode)
    rng = np.random.default_rng(1)
    args = rng.standard_normal((1, 2, 6, 6)), rng.standard_normal((3, 2, 2, 2))
    for got, expected in zip(pickle.loads(pickle.dumps(f))(*args), f(*args)):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def run_python(code: str, stdin: bytes = b"") -> str:
    """Run ``code`` in a fresh interpreter; its stdout (fails the test on a non-zero exit)."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], input=stdin, capture_output=True)
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return result.stdout.decode()


@pytest.mark.parametrize("mode", ["NUMBA", "JAX"])
def test_a_pickled_function_runs_its_kernels_in_a_fresh_process(mode):
    # The Ops are unpickled in a process that never created one: unpickling registers the
    # Numba code, symmodule's JAX linker the JAX code. perform is refused: the kernels must run.
    if mode == "JAX":
        need("jax")
    x, w = pt.dtensor4("x"), pt.dtensor4("w")
    y = Conv2dOp(Geometry(stride=(2, 1)))(x, w)
    gx = pytensor.grad((y**2).sum(), x)
    f = symmodule.function([x, w], [y, gx, Pool2dOp((2, 2), (1, 1), "mean")(x)], mode=mode)
    rng = np.random.default_rng(2)
    args = rng.standard_normal((1, 2, 5, 4)), rng.standard_normal((3, 2, 2, 2))
    expected = [np.asarray(v) for v in f(*args)]
    out = run_python(
        """
        import pickle, sys
        import numpy as np
        from symmodule.nn.ops import conv, pool

        def refuse(*args):
            raise AssertionError("perform ran")

        for op in (conv.Conv2dOp, conv.Conv2dInputGrad, pool.Pool2dOp):
            op.perform = refuse
        f, args, expected = pickle.loads(sys.stdin.buffer.read())
        for got, want in zip(f(*args), expected):
            np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
        print("ok")
        """,
        pickle.dumps((f, args, expected)),
    )
    assert out.strip() == "ok"


# -- registration ---------------------------------------------------------------------------


def test_creating_and_running_the_ops_does_not_import_jax():
    out = run_python(
        """
        import sys
        import numpy as np
        import pytensor
        import symmodule
        from symmodule import nn, tensor as T

        x, w = T.dtensor4("x"), T.dtensor4("w")
        y = nn.avg_pool2d(nn.max_pool2d(nn.conv2d(x, w, stride=2, padding=1), 2), 1)
        gx, gw = pytensor.grad(y.sum(), [x, w])
        f = symmodule.function([x, w], [y, gx, gw], mode="FAST_COMPILE")
        f(np.ones((1, 2, 8, 8)), np.ones((3, 2, 3, 3)))
        print("jax" in sys.modules, "symmodule.nn.ops.numba_kernels" in sys.modules)
        """
    )
    assert out.split() == ["False", "True"]  # the Numba code is registered, JAX is not imported


def test_plain_pytensor_jax_functions_need_register_jax_kernels_for_ops_made_before_jax_was_loaded():
    need("jax")
    out = run_python(
        """
        import numpy as np
        import pytensor
        import pytensor.tensor as pt
        from symmodule.nn.ops import Conv2dOp, Geometry, register_jax_kernels

        x, w = pt.dtensor4("x"), pt.dtensor4("w")
        y = Conv2dOp(Geometry())(x, w)
        try:
            pytensor.function([x, w], y, mode="JAX")
        except NotImplementedError as error:
            print("refused:", "No JAX conversion" in str(error))
        register_jax_kernels()
        f = pytensor.function([x, w], y, mode="JAX")
        print(np.asarray(f(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))).ravel().tolist())
        """
    )
    assert out.splitlines() == ["refused: True", "[4.0, 4.0, 4.0, 4.0]"]


def test_ops_made_after_jax_was_loaded_run_in_plain_pytensor_jax_functions():
    need("jax")
    out = run_python(
        """
        import numpy as np
        import pytensor
        import pytensor.link.jax.dispatch
        import pytensor.tensor as pt
        from symmodule.nn.ops import Pool2dOp

        x = pt.dtensor4("x")
        f = pytensor.function([x], Pool2dOp((2, 2), (2, 2), "max")(x), mode="JAX")
        print(np.asarray(f(np.arange(16.0).reshape(1, 1, 4, 4))).ravel().tolist())
        """
    )
    assert out.strip() == "[5.0, 7.0, 13.0, 15.0]"


def scan_of_convolutions():
    """``ys[t] = conv(xs[t], w)``: the convolution lives in the scan's inner graph only."""
    xs, w = pt.tensor("xs", dtype="float64", shape=(None,) * 5), pt.dtensor4("w")
    ys = pytensor.scan(
        lambda x, w: Conv2dOp(Geometry(stride=(1, 2)))(x, w), sequences=[xs], non_sequences=[w], return_updates=False
    )
    return [xs, w], ys


def test_symmodules_jax_linker_prepares_ops_inside_a_scan(monkeypatch):
    need("jax")
    prepared = []
    monkeypatch.setattr(KernelOp, "prepare_jax_dispatch", lambda op: prepared.append(op) or register_jax_kernels())
    inputs, ys = scan_of_convolutions()
    f = symmodule.function(inputs, ys, mode="JAX")
    assert not [node for node in f.maker.fgraph.apply_nodes if isinstance(node.op, Conv2dOp)]  # inner only
    assert Conv2dOp(Geometry(stride=(1, 2))) in prepared


def test_a_convolution_inside_a_scan_runs_in_jax_mode_in_a_fresh_process():
    need("jax")
    out = run_python(
        """
        import sys
        import numpy as np
        import pytensor
        import pytensor.tensor as pt
        import symmodule
        from symmodule.nn.ops import Conv2dOp, Geometry

        xs, w = pt.tensor("xs", dtype="float64", shape=(None,) * 5), pt.dtensor4("w")
        ys = pytensor.scan(
            lambda x, w: Conv2dOp(Geometry(stride=(1, 2)))(x, w),
            sequences=[xs], non_sequences=[w], return_updates=False,
        )
        assert "jax" not in sys.modules
        rng = np.random.default_rng(0)
        args = rng.standard_normal((3, 1, 2, 4, 5)), rng.standard_normal((2, 2, 2, 2))
        expected = symmodule.function([xs, w], ys, mode="FAST_COMPILE")(*args)
        got = symmodule.function([xs, w], ys, mode="JAX")(*args)
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-12)
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_creating_an_op_registers_the_jax_code_once_jax_is_loaded(monkeypatch):
    need("jax")
    import pytensor.link.jax.dispatch  # noqa: F401

    calls = []
    monkeypatch.setattr(backends, "register_jax_kernels", lambda: calls.append("jax"))
    Conv2dOp(Geometry())
    pickle.loads(pickle.dumps(Pool2dOp((2, 2), (2, 2), "max")))
    assert calls == ["jax", "jax", "jax"]  # the Conv2dOp, the Pool2dOp, and the Pool2dOp unpickled


# -- dtype helper ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtypes, floatx, expected",
    [
        (("float32", "float32"), "float64", "float32"),
        (("float64", "float32"), "float32", "float64"),
        (("int8",), "float32", "float32"),
        (("int8", "int16"), "float64", "float64"),
        (("int64", "float32"), "float32", "float64"),
        (("uint8", "float32"), "float64", "float32"),
    ],
)
def test_common_float_dtype_is_the_upcast_and_at_least_floatx_for_integers(dtypes, floatx, expected):
    with pytensor.config.change_flags(floatX=floatx):
        assert backends.common_float_dtype(*(pt.tensor(dtype=d, shape=()) for d in dtypes)) == expected


# -- gradients of the wrong shape ---------------------------------------------------------------


def _given_gradient(kind):
    """Inputs, output and arguments of a function whose output is the gradient of ``kind``'s output, taken to be g.

    The gradient given has shape (1, 1, 9, 9), the output (1, 1, 2, 2) or (1, 1, 3, 3).
    """
    x, w, g = pt.dtensor4("x"), pt.dtensor4("w"), pt.dtensor4("g")
    image, filters, wrong = np.zeros((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), np.ones((1, 1, 9, 9))
    if kind == "pool":
        out = Pool2dOp((2, 2), (2, 2), "max")(x)
        return [x, g], pytensor.grad(None, x, known_grads={out: g}), [image, wrong]
    out = Conv2dOp(Geometry())(x, w)
    return [x, w, g], pytensor.grad(None, x if kind == "input" else w, known_grads={out: g}), [image, filters, wrong]


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "CVM", "NUMBA", "JAX"])
@pytest.mark.parametrize("kind", ["input", "filter", "pool"])
def test_a_gradient_of_the_wrong_shape_is_refused_alike_in_every_mode(kind, mode):
    # Numba's kernels do not check bounds: a larger gradient would write past the output.
    inputs, output, args = _given_gradient(kind)
    f = compile_(inputs, output, mode)
    with pytest.raises(ValueError, match=r"the gradient given has shape \(1, 1, 9, 9\), but the output it is the "
                       r"gradient of has shape \(1, 1, (2, 2|3, 3)\)"):
        f(*args)
