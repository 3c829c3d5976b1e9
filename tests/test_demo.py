"""The demo `make demo` runs: each part prints what each call did to the state."""

from symmodule import demo


def test_basic_example_prints_each_state(capsys):
    demo.basic_example("FAST_COMPILE")
    out = capsys.readouterr().out
    assert "inst.inc(2)" in out and "state: c = 2" in out
    assert "state: c = -1" in out and "-> 9" in out


def test_nesting_example_prints_both_states_and_the_sum(capsys):
    demo.nesting_example("FAST_COMPILE")
    out = capsys.readouterr().out
    assert "incdec1.c = -2, incdec2.c = 6" in out and "-> 4" in out


def test_advanced_example_prints_a_decreasing_cost_and_a_profile(capsys):
    demo.advanced_example("FAST_COMPILE", steps=201)
    out = capsys.readouterr().out
    costs = [float(line.split()[-1]) for line in out.splitlines() if line.strip().startswith("step")]
    assert len(costs) == 3 and costs[-1] < costs[0]
    assert "final weights:" in out and "ProfileMode.print_summary()" in out
