"""summary(), effects() and check(): on the classic Module examples and on modules built to have unused state."""

import doctest
import html
import importlib.util
import pathlib

import numpy as np
import pytest

import symmodule
from symmodule import introspect
from symmodule import tensor as T
from symmodule.compile import module as M
from symmodule.models import SoftmaxXERegression, SpecifiedRegressionLayer
from symmodule.tensor import nnet as NN


def _load_denoising_stack():
    path = pathlib.Path(__file__).parent / "models" / "test_denoising_stack.py"
    spec = importlib.util.spec_from_file_location("_denoising_stack_for_introspect", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Stack


# -- the classic examples (Theano's Module documentation) -------------------------------


def basic_module():
    """The basic example: inc and dec share c; plus10 reads it."""
    m = M.Module()
    n = T.scalar("n")
    m.c = T.scalar()
    m.inc = M.Method(n, [], updates={m.c: m.c + n})
    m.dec = M.Method(n, [], updates={m.c: m.c - n})
    m.plus10 = M.Method([], m.c + 10)
    return m


def incdec_module():
    m = M.Module()
    n = T.scalar("n")
    m.c = T.scalar()
    m.inc = M.Method(n, [], updates={m.c: m.c + n})
    m.dec = M.Method(n, [], updates={m.c: m.c - n})
    return m


def nesting_module():
    """Two inc/dec modules nested in one, and sum() over both."""
    m = M.Module()
    m.incdec1 = incdec_module()
    m.incdec2 = incdec_module()
    m.sum = M.Method([], m.incdec1.c + m.incdec2.c)
    return m


def extended_softmax():
    """A softmax regression whose update also adds the cost to a new member, sum."""
    model_module = SoftmaxXERegression(regularize=False)
    model_module.sum = T.scalar()
    model_module.update.updates.update(sum=model_module.sum + model_module.cost)
    return model_module


# -- effects ------------------------------------------------------------------------------


def test_effects_of_the_basic_example_before_and_after_make():
    m = basic_module()
    for obj in (m, m.make(c=0)):
        inc = introspect.effects(obj, "inc")
        assert inc == introspect.Effects("inc", reads=("c",), updates=("c",), could_update=())
        plus10 = introspect.effects(obj, "plus10")
        assert plus10.reads == ("c",) and plus10.updates == () and plus10.could_update == ("c",)


def test_effects_of_nested_methods_use_paths_from_the_root():
    m = nesting_module()
    total = introspect.effects(m, "sum")
    assert total.reads == ("incdec1.c", "incdec2.c") and total.updates == ()
    assert introspect.effects(m, "incdec1.inc").updates == ("incdec1.c",)
    inst = m.make(incdec1={"c": 0}, incdec2={"c": 0})
    # From an inner instance, names are relative to it; the paths reported are the root's.
    assert introspect.effects(inst.incdec2, "dec").updates == ("incdec2.c",)
    assert introspect.effects(inst.incdec2, "dec").method == "incdec2.dec"


def test_effects_of_the_regression_models():
    eff = introspect.effects(SoftmaxXERegression(regularize=True), "update")
    assert set(eff.reads) == {"stepsize", "w", "b", "l2_coef"}
    assert eff.updates == ("w", "b")
    assert set(eff.could_update) == {"stepsize", "l2_coef"}
    unregularized = introspect.effects(SoftmaxXERegression(regularize=False), "update")
    assert "l2_coef" not in unregularized.reads  # the penalty is not part of the cost
    apply = introspect.effects(SpecifiedRegressionLayer(), "apply")
    assert apply.reads == ("w", "b") and apply.updates == () and apply.could_update == ("w", "b")


def test_effects_of_the_extending_methods_example_include_sum():
    eff = introspect.effects(extended_softmax(), "update")
    assert "sum" in eff.reads and "sum" in eff.updates and "sum" not in eff.could_update


def test_effects_report_random_streams_drawn_and_advanced():
    Stack = _load_denoising_stack()
    m = Stack(seed=0)
    update = introspect.effects(m, "dae.update")
    assert update.random_streams_read == ("dae.random.rng0",)
    assert update.random_streams_advanced == ("dae.random.rng0",)
    assert "dae.random.rng0" not in update.reads + update.could_update  # streams are not members
    assert introspect.effects(m, "dae.encode").random_streams_read == ()
    # Shared encoder weights: fine-tuning updates the autoencoder's own members.
    finetune = introspect.effects(m.make(), "classifier.finetune")
    assert {"dae.w", "dae.b_hidden"} <= set(finetune.updates)
    assert finetune.could_update == ("classifier.stepsize",)


def test_a_member_given_as_an_explicit_input_is_not_read_from_the_instance():
    m = M.Module()
    m.w = T.dvector()
    m.scale = T.dscalar()
    m.apply = M.Method([m.w], m.w * m.scale)
    eff = introspect.effects(m, "apply")
    assert eff.reads == ("scale",)


def test_an_update_that_does_not_read_the_member_is_not_a_read():
    m = M.Module()
    m.count = T.dscalar()
    m.reset = M.Method([], [], count=0)
    eff = introspect.effects(m, "reset")
    assert eff.reads == () and eff.updates == ("count",)


def test_effects_of_every_method_and_lookup_errors():
    m = basic_module()
    every = introspect.effects(m)
    assert list(every) == ["inc", "dec", "plus10"]
    assert introspect.effects(m, m.plus10) == every["plus10"]
    with pytest.raises(symmodule.errors.ResolveError, match="plus10"):
        introspect.effects(m, "plus1")
    with pytest.raises(symmodule.errors.ResolveError):
        introspect.effects(m, "c")  # a member, not a method
    with pytest.raises(TypeError, match="Module or a ModuleInstance"):
        introspect.effects(object(), "inc")


def test_effects_str_is_readable():
    text = str(introspect.effects(basic_module(), "plus10"))
    assert text.splitlines()[0] == "Method 'plus10':"
    assert "reads: c" in text and "updates: -" in text and "could update" in text


def test_effects_need_no_compilation(monkeypatch):
    from symmodule.module import compiler

    def refuse(*args, **kwargs):
        raise AssertionError("effects() must not compile")

    monkeypatch.setattr(compiler, "compile_maker", refuse)
    assert introspect.effects(SoftmaxXERegression(), "update").updates == ("w", "b")


# -- check -------------------------------------------------------------------------------


def test_check_is_silent_on_the_spec_examples():
    assert introspect.check(basic_module()) == []
    assert introspect.check(nesting_module()) == []
    # regularize=False leaves l2_coef out of every graph: that is worth a warning.
    assert [f.path for f in introspect.check(extended_softmax())] == ["l2_coef"]
    assert introspect.check(SoftmaxXERegression(regularize=True)) == []


def test_check_flags_unused_members_random_draws_and_methods_without_effect():
    m = M.Module()
    x = T.dvector("x")
    m.w = T.dvector()
    m.unused = T.dmatrix()  # nobody reads or updates it
    m.random = T.randomstreams.RandomStreams(seed=1)
    noise = m.random.normal(size=(3,))
    m.forgotten_draw = m.random.uniform(size=(2,))  # a draw no method uses
    m.predict = M.Method(x, T.dot(x, m.w + noise))
    m.nothing = M.Method(x, [])  # returns nothing, updates nothing
    report = introspect.check(m)
    found = {(f.kind, f.path) for f in report}
    assert found == {
        ("unused-member", "unused"),
        ("unused-random-stream", "random.rng1"),
        ("no-effect-method", "nothing"),
    }
    assert all(f.severity == "warning" for f in report)
    assert report.warnings == list(report) and report.notes == []
    text = str(report)
    assert "'unused' is neither read nor updated" in text and "'nothing' updates nothing" in text


def test_check_notes_members_never_updated_or_never_read():
    m = M.Module()
    x = T.dvector("x")
    m.w = T.dvector()
    m.stepsize = T.dscalar()  # read, never updated: a hyper-parameter
    m.last_cost = T.dscalar()  # updated, never read: for Python to read
    cost = T.sum((x - m.w) ** 2)
    m.fit = M.Method(x, [], updates={m.w: m.w - m.stepsize * T.grad(cost, m.w), m.last_cost: cost})
    assert introspect.check(m) == []
    report = introspect.check(m, notes=True)
    assert {(f.kind, f.path) for f in report} == {("never-updated", "stepsize"), ("never-read", "last_cost")}
    assert all(f.severity == "note" for f in report)


def test_check_flags_the_unregularized_models_penalty_coefficient():
    report = introspect.check(SoftmaxXERegression(regularize=False))
    assert [(f.kind, f.path) for f in report] == [("unused-member", "l2_coef")]


def test_check_ignores_constants():
    m = M.Module()
    m.c = T.dscalar()
    m.size = 10  # a constant member: a value for Python code
    m.inc = M.Method([], [], c=m.c + 1)
    assert introspect.check(m) == []


def test_check_of_an_inner_module_counts_only_its_own_methods():
    m = M.Module()
    m.params = M.Module()
    m.params.w = T.dvector()
    m.total = M.Method([], T.sum(m.params.w))
    assert introspect.check(m) == []
    inner = introspect.check(m.params)
    assert [(f.kind, f.path) for f in inner] == [("unused-member", "w")]


def test_check_works_on_instances():
    inst = SoftmaxXERegression(regularize=False).make(input_size=2, target_size=2)
    assert [f.path for f in introspect.check(inst)] == ["l2_coef"]


# -- summary -----------------------------------------------------------------------------


def test_summary_of_the_basic_example_instance():
    inst = basic_module().make(c=0)
    s = introspect.summary(inst)
    assert s.made
    [row] = s.members
    assert (row.path, row.kind, row.shape, row.size) == ("c", "member", "()", 1)
    assert (row.dtype, row.nbytes) == (inst.c.dtype.name, inst.c.nbytes)
    assert row.read_by == ("inc", "dec", "plus10") and row.updated_by == ("inc", "dec")
    assert [m.path for m in s.methods] == ["inc", "dec", "plus10"]
    inc = s.methods[0]
    assert inc.inputs == ("n",) and inc.outputs == () and inc.updates == ("c",)
    assert s.methods[2].outputs and s.methods[2].reads == ("c",)
    text = str(s)
    for word in ("Members", "Methods", "Total:", "read by", "updated by", "plus10", "inc, dec, plus10"):
        assert word in text
    assert "1 member(s), 1 value(s)" in text and "3 method(s)" in text


def test_summary_of_a_model_instance_counts_values_and_bytes():
    inst = SoftmaxXERegression(regularize=True).make(input_size=10, target_size=3)
    s = introspect.summary(inst)
    rows = {row.path: row for row in s.members}
    assert rows["w"].shape == "(10, 3)" and rows["w"].size == 30 and rows["w"].nbytes == 240
    assert rows["b"].shape == "(3,)" and rows["b"].updated_by == ("update",)
    assert rows["w"].read_by == ("update", "apply")
    assert rows["regularize"].kind == "constant"
    assert rows["stepsize"].updated_by == ()
    assert s.n_values == 30 + 3 + 1 + 1 + 1  # w, b, stepsize, l2_coef, regularize
    update = next(m for m in s.methods if m.path == "update")
    assert update.inputs == ("input", "target") and update.outputs == ("cost",)
    assert set(update.reads) == {"stepsize", "w", "b", "l2_coef"}
    assert s.findings == ()


def test_summary_before_make_uses_declared_types():
    s = introspect.summary(SoftmaxXERegression())
    assert not s.made
    rows = {row.path: row for row in s.members}
    assert rows["w"].shape == "(?, ?)" and rows["w"].size is None and rows["w"].nbytes is None
    assert rows["stepsize"].shape == "()" and rows["stepsize"].size == 1
    assert "not made yet" in s.totals()
    assert "not made" in str(s).splitlines()[0]


def test_summary_reports_unset_members_of_an_instance():
    inst = basic_module().make()
    [row] = introspect.summary(inst).members
    assert row.shape == "unset" and row.size is None
    assert "unset" in introspect.summary(inst).totals()


def test_summary_of_the_nesting_example_and_of_an_inner_instance():
    inst = nesting_module().make(incdec1={"c": 0}, incdec2={"c": 0})
    s = introspect.summary(inst)
    assert [row.path for row in s.members] == ["incdec1.c", "incdec2.c"]
    assert s.members[0].read_by == ("incdec1.inc", "incdec1.dec", "sum")
    inner = introspect.summary(inst.incdec1)
    assert [row.path for row in inner.members] == ["incdec1.c"]
    assert [m.path for m in inner.methods] == ["incdec1.inc", "incdec1.dec"]
    assert "at 'incdec1'" in inner.title


def test_summary_shows_shared_members_once_with_their_aliases_and_random_streams():
    Stack = _load_denoising_stack()
    inst = Stack(seed=0).make()
    s = introspect.summary(inst)
    rows = {row.path: row for row in s.members}
    assert "classifier.encoder_w" not in rows
    # Every other path to the same storage is an alias, including those through
    # the stack's list of layers.
    assert rows["dae.w"].aliases == ("classifier.encoder_w", "layers.0.w", "layers.1.encoder_w")
    assert set(rows["dae.w"].updated_by) == {"dae.update", "classifier.finetune"}
    assert rows["dae.random.rng0"].kind == "random stream"
    assert s.n_random_streams == 1
    update = next(m for m in s.methods if m.path == "dae.update")
    assert update.draws_from == ("dae.random.rng0",)
    assert "dae.w (= classifier.encoder_w, layers.0.w, layers.1.encoder_w)" in str(s)


def test_summary_includes_the_warnings_of_check():
    m = M.Module()
    m.w = T.dvector()
    m.unused = T.dscalar()
    m.get = M.Method([], m.w)
    s = introspect.summary(m)
    assert [f.kind for f in s.findings] == ["unused-member"]
    assert "Checks" in str(s) and "'unused' is neither read nor updated" in str(s)


def test_summary_html_is_a_table_with_escaped_text():
    inst = SoftmaxXERegression().make(input_size=2, target_size=2)
    page = introspect.summary(inst)._repr_html_()
    assert page.count("<table>") == 2 and "<th style='text-align:left'>read by</th>" in page
    assert "<code>w</code>" in page and "Total:" in page
    m = M.Module()
    m.x = T.dscalar("<x>")
    m.get = M.Method([], m.x)
    assert html.escape("<x>") in introspect.summary(m)._repr_html_()


def test_summary_mode_column():
    m = basic_module()
    m.plus10.mode = "FAST_COMPILE"
    s = introspect.summary(m)
    assert s.methods[2].mode == "FAST_COMPILE"
    inst = m.make(c=0, mode="FAST_COMPILE")
    assert {row.mode for row in introspect.summary(inst).methods} == {"FAST_COMPILE"}


def test_the_docstring_examples_run():
    result = doctest.testmod(introspect, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_the_public_doors_delegate_here():
    m = basic_module()
    assert symmodule.check(m) == introspect.check(m)
    assert str(m.summary()) == str(introspect.summary(m))
    assert m.effects("inc") == introspect.effects(m, "inc")
    inst = m.make(c=0)
    assert str(symmodule.summary(inst)) == str(introspect.summary(inst))
    assert symmodule.effects(inst, "plus10") == introspect.effects(inst, "plus10")
    assert inst._repr_html_() == introspect.summary(inst)._repr_html_()


def test_numbers_are_plain_python_ints():
    s = introspect.summary(SoftmaxXERegression().make(input_size=3, target_size=2))
    assert all(type(row.size) is int for row in s.members if row.size is not None)
    assert isinstance(s.nbytes, int) and not isinstance(s.nbytes, np.integer)


def test_nn_softmax_model_summary_counts_match_the_arrays():
    class MLP(M.Module):
        def __init__(self):
            super().__init__()
            x = T.matrix("x")
            self.w1, self.b1 = T.matrix(), T.vector()
            self.w2, self.b2 = T.matrix(), T.vector()
            h = T.tanh(T.dot(x, self.w1) + self.b1)
            self.predict = M.Method(x, NN.softmax(T.dot(h, self.w2) + self.b2))

    inst = MLP().make(w1=np.zeros((4, 5)), b1=np.zeros(5), w2=np.zeros((5, 3)), b2=np.zeros(3))
    s = introspect.summary(inst)
    assert s.n_values == 4 * 5 + 5 + 5 * 3 + 3
    assert s.nbytes == sum(getattr(inst, n).nbytes for n in ("w1", "b1", "w2", "b2"))
