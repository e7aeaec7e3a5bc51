"""BDD construction: the node budget (CUDD memory cap) and the order attempts keep the function."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from pumpsafe.hazards import FtaOptions, analyze, bdd, forked, read_mef
from pumpsafe.hazards.bdd import build_bdd
from pumpsafe.hazards.fta_json import result_document
from pumpsafe.hazards.minsol import BudgetExceeded, prime_implicants
from pumpsafe.hazards.ordering import tree_largest_first_order
from pumpsafe.hazards.preprocess import Formula, Gate
from pumpsafe.hazards.zdd import Zdd

DATA = Path(__file__).parent / "data" / "openpsa"
PAIRS = 18


def _pairs_formula() -> Formula:
    """OR over i of (x_i AND y_i): linear in the order x0 y0 x1 y1 ..., about 2^PAIRS nodes in
    the order x0 .. x17 y0 .. y17."""
    events = tuple(f"x{i}" for i in range(PAIRS)) + tuple(f"y{i}" for i in range(PAIRS))
    gates: dict[int, Gate] = {}
    node = len(events) + 1
    terms = []
    for i in range(PAIRS):
        gates[node] = Gate("and", (2 * (i + 1), 2 * (PAIRS + i + 1)))
        terms.append(2 * node)
        node += 1
    gates[node] = Gate("or", tuple(terms))
    return Formula(events, gates, 2 * node)


BAD_ORDER = [f"x{i}" for i in range(PAIRS)] + [f"y{i}" for i in range(PAIRS)]
GOOD_ORDER = [name for i in range(PAIRS) for name in (f"x{i}", f"y{i}")]


def test_the_memory_cap_abandons_a_blowing_up_order() -> None:
    formula = _pairs_formula()
    with pytest.raises(bdd._OverBudget):
        bdd._build(formula, BAD_ORDER, 20_000)
    assert len(bdd._build(formula, GOOD_ORDER, 20_000).root) == 2 * PAIRS + 1


def test_the_manager_is_uncapped_after_a_build() -> None:
    built = bdd._build(_pairs_formula(), GOOD_ORDER, 20_000)
    assert built.manager.configure()["max_memory"] == bdd._UNLIMITED
    blowup = built.manager.false
    for i in range(PAIRS):  # the bad order's function, built in the kept manager: no cap left
        blowup = built.manager.apply("or", blowup, built.manager.var(f"x{i}"))
    assert blowup != built.manager.false


def test_default_attempts_fall_back_from_a_blowing_up_first_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Round 0's orders and the first candidate blow up; the depth-first one (x_i next to y_i)
    is kept."""
    monkeypatch.setattr(bdd, "reversed_depth_first_order", lambda formula: BAD_ORDER)
    monkeypatch.setattr(bdd, "smallest_first_order", lambda formula: BAD_ORDER)
    built = bdd.build_formula_bdd(_pairs_formula(), first=lambda: BAD_ORDER)
    assert len(built.root) == 2 * PAIRS + 1
    assert built.variables[:2] == ["x0", "y0"]


def test_round_zero_keeps_a_small_order_when_the_others_blow_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reversed depth-first (y_17 next to x_17) fits round 0's budget: neither the blowing-up
    first candidate nor the depth-first order is built."""
    built_orders: list[list[str]] = []
    real_build = bdd._build

    def recording(formula: Formula, variables: list[str], budget: int | None) -> bdd.TopBdd:
        built_orders.append(list(variables))
        return real_build(formula, variables, budget)

    monkeypatch.setattr(bdd, "_build", recording)
    monkeypatch.setattr(bdd, "depth_first_order", lambda formula: BAD_ORDER)
    built = bdd.build_formula_bdd(_pairs_formula(), first=lambda: BAD_ORDER)
    assert len(built.root) == 2 * PAIRS + 1
    assert BAD_ORDER not in built_orders
    assert built.variables[:2] == [f"y{PAIRS - 1}", f"x{PAIRS - 1}"]


def test_prime_implicants_are_skipped_only_when_the_budget_cannot_suffice() -> None:
    """Every internal BDD node is a sub-function of the prime-implicant step, so skipping it
    when the BDD alone is over the budget gives the same outcome as trying."""
    tree = read_mef([DATA / "das9601.xml"])
    nodes = analyze(tree, FtaOptions(prime_budget=0)).bdd_nodes - 1
    built = build_bdd(tree, "r1")
    for budget in (nodes - 1, nodes + 1):
        skipped = analyze(tree, FtaOptions(prime_budget=budget))
        assert ("the BDD has" in skipped.prime_implicants_note) == (budget < nodes)
        if budget < nodes:
            with pytest.raises(BudgetExceeded):
                prime_implicants(built.manager, built.root, Zdd(2 * nodes), budget)


def _sift_growths(monkeypatch: pytest.MonkeyPatch, tree_file: str) -> tuple[list[float], float]:
    """The ``max_growth`` of each sifting round while analysing ``tree_file``, and P(top)."""
    growths: list[float] = []
    real_reorder = bdd.cudd.reorder

    def recording(manager: Any, *args: object) -> None:
        growths.append(round(manager.configure()["max_growth"], 6))
        real_reorder(manager, *args)

    monkeypatch.setattr(bdd.cudd, "reorder", recording)
    result = analyze(read_mef([DATA / tree_file]), FtaOptions())
    monkeypatch.undo()
    return growths, result.probability


def test_the_second_sifting_round_is_cheaper_only_on_a_large_bdd(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """das9601 (about 20 000 nodes after the first round) keeps 1.1; with the threshold lowered
    below its size the second round runs at LARGE_SIFT_GROWTH, and P(top) is unchanged."""
    growths, probability = _sift_growths(monkeypatch, "das9601.xml")
    assert growths == list(bdd.SIFT_GROWTH)
    monkeypatch.setattr(bdd, "LARGE_AFTER_FIRST", 0)
    large_growths, large_probability = _sift_growths(monkeypatch, "das9601.xml")
    assert large_growths == [bdd.SIFT_GROWTH[0], bdd.LARGE_SIFT_GROWTH]
    assert large_probability == pytest.approx(probability, rel=1e-12)


def _nested_pairs_formula() -> Formula:
    """The same function as :func:`_pairs_formula`, written as a left-deep chain of ORs:
    g_1 = (x0 AND y0) OR (x1 AND y1), g_k = g_{k-1} OR (x_k AND y_k). The chain of the largest
    arguments runs down through every g_k."""
    events = tuple(f"x{i}" for i in range(PAIRS)) + tuple(f"y{i}" for i in range(PAIRS))
    gates: dict[int, Gate] = {}
    node = len(events) + 1
    previous = 0
    for i in range(PAIRS):
        gates[node] = Gate("and", (2 * (i + 1), 2 * (PAIRS + i + 1)))
        term = 2 * node
        node += 1
        if previous:
            gates[node] = Gate("or", (previous, term))
            previous = 2 * node
            node += 1
        else:
            previous = term
    return Formula(events, gates, previous)


def _is_pairs_function(built: bdd.TopBdd) -> bool:
    manager = built.manager
    expected = manager.false
    for i in range(PAIRS):
        expected = manager.apply(
            "or", expected, manager.apply("and", manager.var(f"x{i}"), manager.var(f"y{i}"))
        )
    return bool(built.root == expected)


def test_progressive_sifting_repairs_a_blowing_up_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """From the order that blows up, sifting each gate of the chain as it grows keeps every
    build small, and the result is the function itself (the top gate is left to the final
    sifting of :func:`~pumpsafe.hazards.bdd.build_formula_bdd`)."""
    formula = _nested_pairs_formula()
    with pytest.raises(bdd._OverBudget):
        bdd._build(formula, BAD_ORDER, 20_000)
    monkeypatch.setattr(bdd, "PROGRESSIVE_BUDGET", 20_000)
    monkeypatch.setattr(bdd, "PROGRESSIVE_SIFT_ABOVE", 20)
    reorders: list[list[str]] = []
    real = bdd._resifted_order

    def recording(order: list[str], sifted: list[str], support: set[str]) -> list[str]:
        reorders.append(real(order, sifted, support))
        return reorders[-1]

    monkeypatch.setattr(bdd, "_resifted_order", recording)
    built = bdd._progressive(formula, BAD_ORDER)
    assert reorders, "no gate of the chain was sifted"
    assert sorted(built.variables) == sorted(BAD_ORDER)
    assert len(built.root) < 200  # 87; the order it started from gives about 2^18 nodes
    assert _is_pairs_function(built)


def test_progressive_sifting_catches_a_lost_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new order that keeps only the sifted gate's events (a planted bug) must fail."""
    monkeypatch.setattr(bdd, "PROGRESSIVE_BUDGET", 20_000)
    monkeypatch.setattr(bdd, "PROGRESSIVE_SIFT_ABOVE", 20)

    def lossy(order: list[str], sifted: list[str], support: set[str]) -> list[str]:
        return [v for v in sifted if v in support]

    monkeypatch.setattr(bdd, "_resifted_order", lossy)
    with pytest.raises((AssertionError, KeyError, ValueError, RuntimeError)):
        built = bdd._progressive(_nested_pairs_formula(), BAD_ORDER)
        assert sorted(built.variables) == sorted(BAD_ORDER)
        assert _is_pairs_function(built)


@pytest.mark.parametrize("name", ["das9601.xml", "edf9205.xml", "baobab2.xml"])
def test_progressive_sifting_gives_the_same_analysis(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """With every static attempt refused, the progressive attempts (sifting at every chain
    gate past 50 nodes) give the probability and minimal cut sets of the default path."""
    tree = read_mef([DATA / name])
    default = analyze(tree, FtaOptions())
    monkeypatch.setattr(bdd, "_smaller", lambda formula, make, budget, best: None)
    monkeypatch.setattr(bdd, "PROGRESSIVE_SIFT_ABOVE", 50)
    calls: list[int] = []
    real = bdd._progressive

    def counting(formula: Formula, order: list[str]) -> bdd.TopBdd:
        calls.append(1)
        return real(formula, order)

    monkeypatch.setattr(bdd, "_progressive", counting)
    progressive = analyze(tree, FtaOptions())
    assert calls
    assert progressive.probability == pytest.approx(default.probability, rel=1e-12)
    assert progressive.positive_cut_sets.count == default.positive_cut_sets.count
    assert progressive.cut_sets.order_distribution == default.cut_sets.order_distribution


def test_progressive_sifting_gives_up_on_a_gate_past_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A chain gate larger than the sift cap ends the attempt (sifting it would cost seconds)."""
    monkeypatch.setattr(bdd, "PROGRESSIVE_BUDGET", 20_000)
    monkeypatch.setattr(bdd, "PROGRESSIVE_SIFT_ABOVE", 20)
    monkeypatch.setattr(bdd, "PROGRESSIVE_SIFT_CAP", 30)
    with pytest.raises(bdd._OverBudget):
        bdd._progressive(_nested_pairs_formula(), BAD_ORDER)
    monkeypatch.setattr(bdd, "PROGRESSIVE_SIFT_CAP", 100)
    assert _is_pairs_function(bdd._progressive(_nested_pairs_formula(), BAD_ORDER))


HALF_ORDER = [f"x{i}" for i in range(4)] + [f"y{i}" for i in range(4)] + GOOD_ORDER[8:]
"""Pairs adjacent except the first four: progressive sifting repairs it (sifting at 20 nodes,
cap 40), where it abandons :data:`BAD_ORDER`."""


def _children(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record every child that :func:`forked.start` makes (skip on a single core: none is)."""
    if len(forked.usable_cores()) < 2:
        pytest.skip("one core: the second attempt runs in this process, as without a child")
    made: list[Any] = []
    real = forked.start

    def recording(run: Any) -> forked.Forked | None:
        made.append(real(run))
        return made[-1]

    monkeypatch.setattr(forked, "start", recording)
    monkeypatch.setattr(bdd, "PROGRESSIVE_SIFT_ABOVE", 20)
    monkeypatch.setattr(bdd, "PROGRESSIVE_SIFT_CAP", 40)
    return made


def _in_turn(first: list[str], second: list[str]) -> bdd.TopBdd | None:
    """The two attempts of round 1 one after the other, in this process."""
    for order in (first, second):
        try:
            return bdd._progressive(_nested_pairs_formula(), order)
        except bdd._OverBudget:
            continue
    return None


def _same(a: bdd.TopBdd | None, b: bdd.TopBdd | None) -> bool:
    return a is not None and b is not None and (a.variables, len(a.root)) == (
        b.variables,
        len(b.root),
    )


def test_the_second_attempt_in_a_child_gives_the_bdd_of_trying_in_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first order is abandoned; the child's order is rebuilt here: the same BDD (same
    level order, same size) as running the second attempt here."""
    made = _children(monkeypatch)
    built = bdd._first_progressive(_nested_pairs_formula(), BAD_ORDER, lambda: HALF_ORDER)
    assert made and made[0] is not None, "no child was made"
    assert _same(built, _in_turn(BAD_ORDER, HALF_ORDER))
    assert built is not None and built.variables != HALF_ORDER  # the child did sift
    assert _is_pairs_function(built)


def test_a_child_that_dies_is_replaced_by_the_attempt_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = _children(monkeypatch)
    monkeypatch.setattr(bdd, "_progressive_dump", lambda formula, order: os._exit(3))
    built = bdd._first_progressive(_nested_pairs_formula(), BAD_ORDER, lambda: HALF_ORDER)
    assert made and made[0] is not None
    assert _same(built, _in_turn(BAD_ORDER, HALF_ORDER))


def test_a_child_that_hangs_is_killed_and_replaced_by_the_attempt_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = _children(monkeypatch)
    monkeypatch.setattr(bdd, "_progressive_dump", lambda formula, order: time.sleep(600))
    monkeypatch.setattr(bdd, "CHILD_LIMIT_S", 0.5)
    built = bdd._first_progressive(_nested_pairs_formula(), BAD_ORDER, lambda: HALF_ORDER)
    assert made and made[0] is not None
    assert _same(built, _in_turn(BAD_ORDER, HALF_ORDER))
    with pytest.raises(ChildProcessError):
        os.waitpid(made[0]._pid, os.WNOHANG)


def test_the_first_attempt_wins_and_its_child_is_killed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both orders finish, to different BDDs: the first one's is kept, as in turn, and the
    child (still running or not) is reaped."""
    made = _children(monkeypatch)
    slow = GOOD_ORDER[::-1]
    built = bdd._first_progressive(_nested_pairs_formula(), HALF_ORDER, lambda: slow)
    assert _same(built, _in_turn(HALF_ORDER, slow))
    assert not _same(built, _in_turn(slow, HALF_ORDER))
    assert made and made[0] is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(made[0]._pid, os.WNOHANG)


@pytest.mark.parametrize("name", ["das9601.xml", "edf9205.xml"])
def test_the_analysis_does_not_depend_on_where_the_second_attempt_ran(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """With every static attempt refused and the first progressive attempt abandoned, the
    report is the same whether the second attempt ran in a child or here (one core)."""
    if len(forked.usable_cores()) < 2:
        pytest.skip("one core: the second attempt always runs in this process")
    tree = read_mef([DATA / name])
    monkeypatch.setattr(bdd, "_smaller", lambda formula, make, budget, best: None)
    real = bdd._progressive
    first = tree_largest_first_order(tree, "r1")

    def first_abandoned(formula: Formula, order: list[str]) -> bdd.TopBdd:
        if order == first:
            raise bdd._OverBudget(0)
        return real(formula, order)

    monkeypatch.setattr(bdd, "_progressive", first_abandoned)
    reports = []
    for start in (forked.start, lambda run: None):
        monkeypatch.setattr(forked, "start", start)
        document = result_document(analyze(tree, FtaOptions(importance=True)))
        reports.append(json.dumps({k: v for k, v in document.items() if k != "time_s"}))
    assert reports[0] == reports[1]
