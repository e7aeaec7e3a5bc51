"""The engine against brute-force truth tables on random trees (every gate type, shared nodes)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pumpsafe.hazards import FtaOptions, analyze
from pumpsafe.hazards import flat as flat_module
from pumpsafe.hazards.tree import FaultTree

try:  # tests/ is a plain folder (pytest puts it on sys.path) or a package
    import fta_oracle as oracle
except ModuleNotFoundError:  # pragma: no cover
    from tests import fta_oracle as oracle

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _check_probability(tree: FaultTree, top: str, p: dict[str, float]) -> None:
    result = analyze(tree, FtaOptions(top=top))
    expected = oracle.probability(tree, top, p)
    assert _close(result.probability, expected), (result.probability, expected)


@PROPERTY
@given(oracle.fault_trees(max_events=10, max_gates=10))
def test_probability_matches_truth_table(case: tuple[FaultTree, str, dict[str, float]]) -> None:
    _check_probability(*case)


@PROPERTY
@given(oracle.fault_trees(max_events=8, max_gates=8))
def test_cut_sets_match_truth_table(case: tuple[FaultTree, str, dict[str, float]]) -> None:
    tree, top, _ = case
    result = analyze(tree, FtaOptions(top=top, list_sets=True, list_limit=None))
    positive = oracle.positive_mcs(tree, top)
    assert result.positive_cut_sets.count == len(positive)
    if result.coherent:
        assert result.cut_sets.sets is not None
        assert {frozenset(s) for s in result.cut_sets.sets} == positive
        assert result.cut_sets.sets == sorted(result.cut_sets.sets, key=lambda s: (len(s), s))


@PROPERTY
@given(oracle.fault_trees(max_events=6, max_gates=7))
def test_prime_implicants_match_truth_table(case: tuple[FaultTree, str, dict[str, float]]) -> None:
    tree, top, _ = case
    result = analyze(tree, FtaOptions(top=top, list_sets=True, list_limit=None))
    if result.coherent:
        assert result.cut_sets.kind == "minimal-cut-sets"
        return
    assert result.cut_sets.kind == "prime-implicants"
    assert result.cut_sets.sets is not None
    assert {frozenset(s) for s in result.cut_sets.sets} == oracle.prime_implicants(tree, top)
    assert result.cut_sets.count == len(result.cut_sets.sets)


@PROPERTY
@given(oracle.fault_trees(max_events=7, max_gates=8))
def test_importance_matches_truth_table(case: tuple[FaultTree, str, dict[str, float]]) -> None:
    tree, top, p = case
    result = analyze(tree, FtaOptions(top=top, importance=True))
    assert result.importance is not None
    total = result.probability
    assert set(result.importance) == set(oracle.events_below(tree, top))
    for event, measures in result.importance.items():
        p1 = oracle.conditional(tree, top, p, event, True)
        p0 = oracle.conditional(tree, top, p, event, False)
        assert _close(measures.birnbaum, p1 - p0)
        if total > 1e-12:
            assert measures.raw is not None and _close(measures.raw, p1 / total)
            assert measures.fussell_vesely is not None
            assert _close(measures.fussell_vesely, p[event] * p1 / total)
        if p0 > 1e-12 and total > 0.0:
            assert measures.rrw is not None and _close(measures.rrw, total / p0)
        # The oracle sums products term by term, so a P0 of a few subnormals can round to 0.0
        # there and not in the BDD (top = e1 OR (e3 AND e0) with P(e1) = 5e-324, P(e3) = 0.5:
        # P0 of e0 is 5e-324, the oracle's two terms of 2.5e-324 each round to 0). RRW is
        # undefined for certain when the top event cannot occur without the event at all.
        halves = dict.fromkeys(p, 0.5)
        if oracle.conditional(tree, top, halves, event, False) == 0.0:
            assert measures.rrw is None


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(oracle.fault_trees(max_events=8, max_gates=8), st.data())
def test_truncation_keeps_exactly_the_small_sets(
    case: tuple[FaultTree, str, dict[str, float]], data: st.DataObject
) -> None:
    tree, top, _ = case
    order = data.draw(st.integers(0, 4))
    full = analyze(tree, FtaOptions(top=top, list_sets=True, list_limit=None))
    cut = analyze(tree, FtaOptions(top=top, max_order=order, list_sets=True, list_limit=None))
    assert full.positive_cut_sets.sets is not None and cut.positive_cut_sets.sets is not None
    kept = [s for s in full.positive_cut_sets.sets if len(s) <= order]
    assert cut.positive_cut_sets.sets == kept
    assert cut.truncation is not None
    assert cut.truncation.dropped == full.positive_cut_sets.count - len(kept)


def test_planted_bug_in_quantification_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sign error on complemented edges must make the property fail: the checker has teeth."""
    original = flat_module.edge_value

    def wrong(edge: int, prob: list[float], comp: list[float]) -> float:
        return original(edge & ~1, prob, comp)  # ignores the complement bit

    monkeypatch.setattr(flat_module, "edge_value", wrong)
    with pytest.raises(AssertionError):
        test_probability_matches_truth_table()


def test_planted_bug_in_minimal_solutions_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skipping the 'without' step leaves non-minimal sets: the cut-set property must fail."""
    from pumpsafe.hazards.zdd import Zdd

    monkeypatch.setattr(Zdd, "without", lambda self, family, blockers: family)
    with pytest.raises(AssertionError):
        test_cut_sets_match_truth_table()


def test_planted_bug_in_the_coherent_filter_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a coherent tree 'without' is done by filtering with the BDD of f0: skipping it must
    leave non-minimal sets (a fixed tree: random ones do not always expose it). Whatever the
    variable order, the first of a, b, d, e tested has the other pair in both branches, so the
    unfiltered family holds a non-minimal set such as {a, d, e}."""
    from pumpsafe.hazards import Constant, add_basic_event, add_gate, minsol, new_tree

    tree = new_tree()
    for name in "abcde":
        add_basic_event(tree, name, Constant(0.1))
    add_gate(tree, "ab", "and", ["a", "b"])
    add_gate(tree, "de", "and", ["d", "e"])
    add_gate(tree, "top", "or", ["ab", "c", "de"])  # minimal cut sets {a, b}, {c}, {d, e}
    assert analyze(tree, FtaOptions()).positive_cut_sets.count == 3
    monkeypatch.setattr(minsol, "_falsified", lambda bdd, zdd, family, *rest: family)
    assert analyze(tree, FtaOptions()).positive_cut_sets.count > 3


@PROPERTY
@given(oracle.fault_trees(max_events=9, max_gates=9))
def test_coherent_filter_agrees_with_without(case: tuple[FaultTree, str, dict[str, float]]) -> None:
    """The BDD filter (coherent trees) and Rauzy's 'without' give the same family."""
    from pumpsafe.hazards.analysis import flat_of
    from pumpsafe.hazards.minsol import minimal_solutions
    from pumpsafe.hazards.tree import is_coherent
    from pumpsafe.hazards.zdd import Zdd

    tree, top, _ = case
    if not is_coherent(tree, top):
        return
    flat = flat_of(tree, top)
    families = []
    for monotone in (True, False):
        zdd = Zdd(len(flat.variables))
        families.append(sorted(zdd.sets(minimal_solutions(flat, zdd, monotone=monotone))))
    assert families[0] == families[1]
