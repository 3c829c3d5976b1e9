"""gof.Env, gof.TopoOptimizer, gof.PatternSub, gof.OpSub, gof.OpRemove, gof.local_optimizer: Theano's rewriting as written in 2009."""

from pytensor.compile.ops import view_op

from symmodule import gof
from symmodule import tensor as T


def test_env_works_on_the_given_variables_not_a_copy():
    x = T.dscalar("x")
    assert gof.Env([x], [x * 2]).inputs[0] is x


def test_topo_optimizer_applies_a_pattern_sub_through_optimize():
    x, y = T.dscalars("x", "y")
    e = gof.Env([x, y], [(x * y) / y])
    gof.TopoOptimizer(gof.PatternSub((T.true_div, (T.mul, "a", "b"), "b"), "a")).optimize(e)
    assert e.outputs[0] is x


def test_op_sub_replaces_one_op_by_another():
    x, y = T.dscalars("x", "y")
    e = gof.Env([x, y], [x + y])
    gof.TopoOptimizer(gof.OpSub(T.add, T.mul)).optimize(e)
    assert e.outputs[0].owner.op == T.mul


def test_op_remove_replaces_a_node_by_its_input():
    x = T.dvector("x")
    e = gof.Env([x], [view_op(x) + 1])
    gof.TopoOptimizer(gof.OpRemove(view_op)).optimize(e)
    assert e.outputs[0].owner.inputs[0] is x


def test_local_optimizer_makes_a_node_rewriter_from_a_function():
    @gof.local_optimizer([T.neg])
    def double_negation(fgraph, node):
        inner = node.inputs[0].owner
        return [inner.inputs[0]] if inner is not None and inner.op == T.neg else False

    x = T.dscalar("x")
    e = gof.Env([x], [-(-x)])
    gof.TopoOptimizer(double_negation).optimize(e)
    assert e.outputs[0] is x
