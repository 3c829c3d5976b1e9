"""Theano's ``ComponentList()``: an empty list that ``append`` grows, as 2009 code built stacks of layers."""

import numpy as np

from symmodule import tensor as T
from symmodule.compile import module as M


def test_empty_component_list_grows_by_append_and_its_members_are_made():
    m = M.Module()
    m.layers = M.ComponentList()
    for _ in range(2):
        layer = M.Module()
        layer.w = T.dvector()
        m.layers.append(layer)
    m.total = M.Method([], m.layers[0].w.sum() + m.layers[1].w.sum())
    inst = m.make(layers=[dict(w=np.ones(2)), dict(w=np.arange(3.0))])
    assert len(inst.layers) == 2
    assert inst.total() == 5.0
