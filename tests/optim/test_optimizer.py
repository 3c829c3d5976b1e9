"""What every optimizer does the same way: gradients, state Members, roles, dtypes, errors."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

import symmodule
from optim import harness, oracle
from symmodule import optim
from symmodule.errors import DeclarationError
from symmodule.optim import SGD, Adagrad, Adam, AdamW, RMSProp

ALL = [SGD, Adam, AdamW, RMSProp, Adagrad]


def regression(opt, loss_or_grads="loss"):
    """A least-squares model trained by ``opt`` on its loss, or on the loss's gradients given as a list."""
    m = symmodule.Module()
    m.w = symmodule.Member(pt.dvector(shape=(3,)), roles="param", init=symmodule.init.normal(seed=1))
    m.b = symmodule.Member(pt.dscalar(), roles="param", init=symmodule.init.zeros())
    m.opt = opt
    x, y = pt.dmatrix("x"), pt.dvector("y")
    loss = pt.mean((pt.dot(x, m.w) + m.b - y) ** 2)
    given = loss if loss_or_grads == "loss" else pytensor.grad(loss, [m.w, m.b])
    m.train = symmodule.Method([x, y], loss, updates=opt.updates(given, [m.w, m.b]))
    return m


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(16, 3))
    return x, x @ [1.0, -2.0, 0.5] + 0.3


@pytest.mark.parametrize("cls", ALL)
def test_a_loss_and_its_gradients_give_the_same_steps_bit_for_bit(cls):
    by_loss, by_grads = regression(cls(0.05)).make(), regression(cls(0.05), "grads").make()
    for _ in range(20):
        by_loss.train(*data())
        by_grads.train(*data())
    assert by_loss.w.tobytes() == by_grads.w.tobytes() and by_loss.b.tobytes() == by_grads.b.tobytes()


def test_training_on_the_loss_fits_the_regression():
    inst = regression(Adam(0.05)).make()
    for _ in range(600):
        inst.train(*data())
    np.testing.assert_allclose(inst.w, [1.0, -2.0, 0.5], atol=1e-6)


def test_state_initialises_itself_at_make():
    inst = harness.model(Adam()).make()
    assert inst.opt.step == 0 and inst.opt.step.dtype == np.int64
    assert [v.shape for v in inst.opt.m] == [(3, 4), (4,)]
    assert all(not v.any() for v in [*inst.opt.m, *inst.opt.v])


def test_moments_take_the_shape_of_the_value_given_at_make():
    m = symmodule.Module()
    m.w = symmodule.Member(pt.dmatrix(), roles="param")  # no static shape: the value gives it
    m.opt = Adam()
    m.train = symmodule.Method([], [], updates=m.opt.updates(pt.sum(m.w**2), [m.w]))
    inst = m.make(w=np.ones((2, 5)))
    assert inst.opt.m[0].shape == (2, 5)


def test_the_step_count_counts_steps():
    inst = harness.model(SGD(0.1)).make()
    for grads in harness.gradients(3):
        inst.train(*grads)
    assert inst.opt.step == 3


def test_learning_rate_is_a_member_changed_on_the_instance():
    inst = harness.model(SGD(0.1)).make()
    inst.opt.learning_rate = 0.5
    w = inst.w.copy()
    gw, gb = harness.gradients(1)[0]
    inst.train(gw, gb)
    np.testing.assert_array_equal(inst.w, w - 0.5 * gw)


@pytest.mark.parametrize("cls", ALL)
def test_optimizer_members_are_never_parameters(cls):
    m = harness.model(cls())
    assert [v.name for v in m.parameters()] == ["w", "b"]


def test_state_members_have_the_optimizer_state_role():
    m = harness.model(Adam())
    assert list(m.members(optim.OPTIMIZER_STATE)) == ["opt.step", "opt.m.0", "opt.m.1", "opt.v.0", "opt.v.1"]


def test_hyperparameters_have_the_hyperparameter_role():
    m = harness.model(Adam(weight_decay=0.1, clip_norm=1.0))
    assert list(m.members(optim.HYPERPARAMETER)) == [
        "opt.learning_rate", "opt.clip_norm", "opt.beta1", "opt.beta2", "opt.epsilon", "opt.weight_decay",
    ]


def test_every_optimizer_member_has_the_optimizer_role():
    m = harness.model(RMSProp(momentum=0.5))
    assert set(m.members(optim.OPTIMIZER)) == {p for p in m.members() if p.startswith("opt.")}


def test_updates_twice_with_the_same_parameters_reuse_the_state():
    m = harness.model(Adam(0.01))
    g = pt.dscalar("g")
    m.train_again = symmodule.Method([g], [], updates=m.opt.updates([g * m.w, g * m.b], [m.w, m.b]))
    assert list(m.members(optim.OPTIMIZER_STATE)) == ["opt.step", "opt.m.0", "opt.m.1", "opt.v.0", "opt.v.1"]
    inst = m.make()
    inst.train(*harness.gradients(1)[0])
    inst.train_again(1.0)
    assert inst.opt.step == 2


def test_a_tied_parameter_listed_twice_gets_one_update():
    m = symmodule.Module()
    m.w = symmodule.Member(pt.dvector(), roles="param")
    m.tied = m.w  # a second path to the same Member
    m.opt = SGD(0.1, momentum=0.9)
    updates = m.opt.updates(pt.sum(m.w**2), [m.w, m.tied])
    assert list(updates) == [m.w, m.opt.velocity[0].variable, m.opt.step]
    m.train = symmodule.Method([], [], updates=updates)
    inst = m.make(w=[1.0, 2.0])
    inst.train()
    np.testing.assert_array_equal(inst.w, [1.0 - 0.2, 2.0 - 0.4])


def test_a_tied_parameter_listed_twice_with_one_gradient_gets_one_update():
    m = symmodule.Module()
    m.w = symmodule.Member(pt.dvector(), roles="param")
    g = pt.dvector("g")
    assert len(SGD(0.1).updates([g, g], [m.w, m.w])) == 2  # w and the step count


@pytest.mark.parametrize("cls", ALL)
def test_float32_parameters_stay_float32(cls):
    kw = dict(learning_rate=0.01, weight_decay=0.1)
    inst = harness.model(cls(**kw, clip_norm=4.0), dtype="float32").make()
    reference = getattr(oracle, cls.__name__)([inst.w, inst.b], **kw, clip_norm=4.0)
    for grads in harness.gradients(20, dtype="float32"):
        inst.train(*grads)
        expected = reference.step(grads)
    assert inst.w.dtype == inst.b.dtype == np.float32
    assert {v.dtype for v in symmodule.state_dict(inst).values() if v.ndim} == {np.dtype("float32")}
    np.testing.assert_allclose(inst.w, expected[0], rtol=1e-4, atol=1e-5)


def test_effects_say_exactly_what_a_training_step_updates():
    inst = harness.model(Adam()).make()
    effects = symmodule.effects(inst, "train")
    assert effects.updates == ("w", "b", "opt.step", "opt.m.0", "opt.m.1", "opt.v.0", "opt.v.1")
    assert effects.could_update == ("opt.learning_rate", "opt.beta1", "opt.beta2", "opt.epsilon")


def test_the_optimizer_state_is_in_the_state_dict():
    inst = harness.model(SGD(0.1, momentum=0.9)).make()
    assert list(symmodule.state_dict(inst)) == [
        "w", "b", "opt.learning_rate", "opt.step", "opt.momentum", "opt.velocity.0", "opt.velocity.1",
    ]


# -- errors ---------------------------------------------------------------------------------


def a_parameter():
    return symmodule.Member(pt.dvector(), roles="param").variable


def test_params_that_are_not_a_list_are_refused():
    w = a_parameter()
    with pytest.raises(DeclarationError, match=r"SGD\.updates\(\.\.\.\): params must be a list of parameters"):
        SGD().updates(pt.sum(w), w)


def test_an_empty_list_of_parameters_is_refused():
    with pytest.raises(DeclarationError, match=r"Adam\.updates\(\.\.\.\): the list of parameters is empty.*roles=symmodule\.roles\.PARAM"):
        Adam().updates(pt.dscalar(), [])


def test_an_expression_as_a_parameter_is_refused():
    w = a_parameter()
    with pytest.raises(DeclarationError, match=r"parameter 1 \(.*\) is computed from other variables.*Pass the Members themselves"):
        SGD().updates(pt.sum(w), [w, w * 2])


def test_a_constant_as_a_parameter_is_refused():
    with pytest.raises(DeclarationError, match=r"parameter 0 \(.*\) is a constant"):
        SGD().updates(pt.dscalar(), [pt.constant(np.ones(2))])


def test_a_non_variable_as_a_parameter_is_refused():
    with pytest.raises(DeclarationError, match=r"parameter 0 \('w'\) is not a symbolic Variable"):
        SGD().updates(pt.dscalar(), ["w"])


def test_an_integer_parameter_is_refused():
    with pytest.raises(DeclarationError, match=r"parameter 0 \(.*\) has dtype int64, and only floating-point"):
        SGD().updates(pt.dscalar(), [pt.lvector()])


def test_a_loss_that_is_not_a_scalar_is_refused():
    w = a_parameter()
    with pytest.raises(DeclarationError, match=r"the loss must be a scalar, but it has 1 dimension\(s\).*T\.mean"):
        SGD().updates(w**2, [w])


def test_a_loss_or_grads_that_is_neither_is_refused():
    with pytest.raises(DeclarationError, match=r"must be a scalar loss \(a Variable\) or a list of gradients.*got 1\.5"):
        SGD().updates(1.5, [a_parameter()])


def test_as_many_gradients_as_parameters_are_needed():
    w, b = a_parameter(), a_parameter()
    with pytest.raises(DeclarationError, match=r"1 gradient\(s\) for 2 parameter\(s\)"):
        SGD().updates([pt.dvector()], [w, b])


def test_a_gradient_that_is_not_a_tensor_is_refused():
    with pytest.raises(DeclarationError, match=r"gradient 0 \('g'\) cannot be made a tensor"):
        SGD().updates(["g"], [a_parameter()])


def test_a_tied_parameter_with_two_different_gradients_is_refused():
    w = a_parameter()
    with pytest.raises(DeclarationError, match=r"is listed twice with two different gradients"):
        SGD().updates([pt.dvector(), pt.dvector()], [w, w])


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: SGD(-0.1), r"SGD\(\.\.\.\): learning_rate=-0.1, but learning_rate must be a number >= 0"),
        (lambda: SGD(0.1, momentum=-1), r"momentum=-1, but momentum must be a number >= 0"),
        (lambda: SGD(0.1, weight_decay=-1e-4), r"weight_decay=-0.0001, but weight_decay must be a number >= 0"),
        (lambda: Adam(beta1=1.0), r"Adam\(\.\.\.\): beta1=1.0, but beta1 must be a number in \[0, 1\)"),
        (lambda: AdamW(beta2=-0.5), r"AdamW\(\.\.\.\): beta2=-0.5, but beta2 must be a number in \[0, 1\)"),
        (lambda: Adam(epsilon=float("nan")), r"epsilon=nan, but epsilon must be a number >= 0"),
        (lambda: RMSProp(rho=1.5), r"RMSProp\(\.\.\.\): rho=1.5, but rho must be a number in \[0, 1\]"),
        (lambda: Adagrad("0.1"), r"Adagrad\(\.\.\.\): learning_rate='0.1', but learning_rate must be a number"),
    ],
)
def test_out_of_range_hyperparameters_are_refused(make, match):
    with pytest.raises(DeclarationError, match=match):
        make()
