"""The tour `make demo` runs: each part prints what its calls returned and the state they left."""

import re

from symmodule import demo


def test_declare_and_make_prints_each_state_and_an_independent_instance(capsys):
    demo.declare_and_make("FAST_COMPILE")
    out = capsys.readouterr().out
    assert re.search(r"inst\.inc\(2\)\s+c = 2\n", out)
    assert re.search(r"inst\.dec\(3\)\s+c = -1\n", out)
    assert re.search(r"inst\.plus10\(\)\s+-> 9\s+c = -1\n", out)
    assert re.search(r"inst\.c = 10\s+c = 10\n", out)
    assert "other.c = 100, inst.c = 10" in out


def test_nest_prints_both_inner_states_and_their_total(capsys):
    demo.nest("FAST_COMPILE")
    out = capsys.readouterr().out
    assert re.search(r"inst\.left\.inc\(2\)\s+left\.c = 2, right\.c = 0\n", out)
    assert re.search(r"inst\.total\(\)\s+-> 8\s+left\.c = 2, right\.c = 6\n", out)


def test_learn_fits_the_line_and_prints_a_falling_cost(capsys):
    inst = demo.learn("FAST_COMPILE")
    out = capsys.readouterr().out
    costs = [float(c) for c in re.findall(r"cost (\S+)", out)]
    assert len(costs) == 4 and costs == sorted(costs, reverse=True) and costs[-1] < 1e-6
    assert abs(float(inst.a) - 3.0) < 1e-3 and abs(float(inst.b) - 0.5) < 1e-3
    assert "a = 3.000, b = 0.500" in out.splitlines()[-2]


def test_inspect_prints_what_each_method_reads_and_updates(capsys):
    demo.inspect(demo.line_module())
    out = capsys.readouterr().out
    assert "fit      reads a, b, lr; updates a, b\n" in out
    assert "predict  reads a, b; updates nothing\n" in out
    assert "symmodule.check(line): No findings." in out


def test_save_and_load_restores_the_trained_line_in_a_fresh_instance(capsys):
    trained = demo.line_module().make(a=3.0, b=0.5, lr=0.1, mode="FAST_COMPILE")
    demo.save_and_load(trained, "FAST_COMPILE")
    out = capsys.readouterr().out
    assert "{'a': 3.000, 'b': 0.500, 'lr': 0.100}" in out
    assert "fresh.a = 3.000, fresh.b = 0.500" in out
    assert "fresh.predict([0, 1]) -> [0.5 3.5]" in out


def test_the_whole_tour_is_short_and_shows_no_profiler_table(capsys):
    assert demo.main(["FAST_COMPILE"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert 25 <= len(lines) <= 45
    assert [line[:2] for line in lines if re.match(r"\d\. ", line)] == ["1.", "2.", "3.", "4.", "5."]
    assert "Profile" not in out and "Apply" not in out
    assert "make docs" in out and "examples/digits.py" in out
