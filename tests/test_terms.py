"""The term language: misuse fails loudly, and the three interpreters agree."""

from __future__ import annotations

import pytest
import z3
from hypothesis import given
from hypothesis import strategies as st
from pumpsafe.model.errors import TermError
from pumpsafe.model.terms import (
    Term,
    all_of,
    any_of,
    building,
    by_choice,
    ceil_div,
    evaluate,
    lit,
    max_of,
    min_of,
    render,
    to_z3,
    var,
    when,
)

X, Y = var("x", "int"), var("y", "int")
B = var("b", "bool")


@pytest.mark.parametrize(
    "misuse",
    [
        lambda: bool(X == Y),
        lambda: X < Y < 3,  # chained comparison calls bool() on the first result
        lambda: (X > 1) and (Y > 1),
        lambda: not (X > 1),
        lambda: X in {1, 2},
        lambda: X in [1, 2],
        lambda: min(X, Y),
        lambda: 1 if X > 0 else 0,
    ],
)
def test_python_control_flow_on_model_values_fails_loudly(misuse: object) -> None:
    with building("refill"), pytest.raises(TermError) as err:
        misuse()  # type: ignore[operator]
    assert "refill" in str(err.value) or "hashed" in str(err.value)


def test_error_names_rule_and_fix() -> None:
    with building("infuse"), pytest.raises(TermError, match=r"rule 'infuse'.*when\(cond"):
        bool(X > 0)


@pytest.mark.parametrize(
    "bad",
    [
        lambda: X * Y,  # nonlinear
        lambda: X // Y,  # variable divisor
        lambda: X // -2,  # negative divisor
        lambda: X % 0,
        lambda: X / 2,  # no fractions
        lambda: X + 1.5,  # no floats
        lambda: when(B, X, B),  # branch sorts differ
        lambda: X & B,  # int in a conjunction
        lambda: X == B,
    ],
)
def test_outside_linear_integer_arithmetic_is_refused(bad: object) -> None:
    with pytest.raises(TermError):
        bad()  # type: ignore[operator]


def test_constants_fold_so_constant_factors_stay_linear() -> None:
    acc = lit(145)
    t = X * (1000 - acc)
    assert evaluate(t, {"x": 2}) == 1710
    assert render(1000 - acc) == "855"


def _terms(depth: int) -> st.SearchStrategy[Term]:
    leaf = st.one_of(st.integers(-50, 50).map(lit), st.sampled_from([X, Y]))
    if depth == 0:
        return leaf
    sub = _terms(depth - 1)
    cond = st.builds(
        lambda a, b, op: {"lt": a < b, "le": a <= b, "eq": a == b}[op],
        sub,
        sub,
        st.sampled_from(["lt", "le", "eq"]),
    )
    return st.one_of(
        leaf,
        st.builds(lambda a, b: a + b, sub, sub),
        st.builds(lambda a, b: a - b, sub, sub),
        st.builds(lambda a, k: a * k, sub, st.integers(-7, 7)),
        st.builds(lambda a, k: a // k, sub, st.integers(1, 9)),
        st.builds(lambda a, k: a % k, sub, st.integers(1, 9)),
        st.builds(lambda a, k: ceil_div(a, k), sub, st.integers(1, 9)),
        st.builds(lambda c, a, b: when(c, a, b), cond, sub, sub),
        st.builds(lambda a, b: min_of(a, b), sub, sub),
        st.builds(lambda a, b: max_of(a, b), sub, sub),
        st.builds(
            lambda c, d, a, b: when(any_of(c, ~d) & all_of(d, c | d), a, b), cond, cond, sub, sub
        ),
        st.builds(lambda a: by_choice(a, (0, 3, 7), lambda c: a * c + c), sub),
    )


@given(_terms(3), st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_evaluate_and_z3_agree(term: Term, x: int, y: int) -> None:
    concrete = evaluate(term, {"x": x, "y": y})
    symbolic = z3.simplify(to_z3(term, {"x": z3.IntVal(x), "y": z3.IntVal(y)}))
    assert symbolic.as_long() == concrete, render(term)


def test_render_is_readable() -> None:
    t = when(all_of(X >= 0, ~B), min_of(X, 10) * 2, 0)
    assert render(t) == "(min(x, 10) * 2 if (x >= 0) and (not b) else 0)"
