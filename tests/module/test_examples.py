"""The examples of Theano's Module documentation, copied as written (Python 3 syntax, theano -> symmodule)."""

#!/usr/bin/env python
import symmodule
import numpy as N
from symmodule import tensor as T
from symmodule.tensor import nnet as NN
from symmodule.compile import module as M


def test_basic_example_using_module():
    m = M.Module()
    n = T.scalar('n')
    m.c = T.scalar() # state variables
    m.inc = M.Method(n, [], updates = {m.c: m.c + n}) # m.c <= m.c + n
    m.dec = M.Method(n, [], updates = {m.c: m.c - n}) # k.c <= k.c - n
    #m.dec = M.Method(n, [], updates = {c: m.c - n})#global c don't exist
    #m.plus10 does not update the state
    m.plus10 = M.Method([], m.c + 10) # m.c is always accessible since it is a member of this mlass

    inst = m.make(c = 0) # here, we make an "instance" of the module with c initialized to 0
    assert inst.c == 0
    inst.inc(2)
    assert inst.c == 2
    inst.dec(3)
    assert inst.c == -1
    assert inst.plus10() == 9


def test_nesting_example_using_module():
    def make_incdec_module():
        m = M.Module()
        n = T.scalar('n')
        m.c = T.scalar() # state variables
        m.inc = M.Method(n, [], updates = {m.c: m.c + n}) # m.c <= m.c + n
        m.dec = M.Method(n, [], updates = {m.c: m.c - n}) # m.c <= m.c - n
        return m

    m = M.Module()
    m.incdec1 = make_incdec_module()
    m.incdec2 = make_incdec_module()
    m.sum = M.Method([], m.incdec1.c + m.incdec2.c)
    inst = m.make(incdec1 = dict(c=0), incdec2 = dict(c=0))
    inst.incdec1.inc(2)
    inst.incdec1.dec(4)
    inst.incdec2.inc(6)
    assert inst.incdec1.c == -2 and inst.incdec2.c == 6
    assert inst.sum() == 4 # -2 + 6
