"""BDD construction: the node budget (CUDD memory cap) and the order attempts keep the function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pumpsafe.hazards import FtaOptions, analyze, bdd, read_mef
from pumpsafe.hazards.bdd import build_bdd
from pumpsafe.hazards.minsol import BudgetExceeded, prime_implicants
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
