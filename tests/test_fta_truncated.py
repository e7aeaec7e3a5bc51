"""The truncated bottom-up fallback (hazards/truncated.py) against brute-force truth tables on
random coherent trees, forced with ``FtaOptions(force_truncated=True)``."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pumpsafe.hazards import FtaOptions, analyze, to_json
from pumpsafe.hazards import analysis as analysis_module
from pumpsafe.hazards.bdd import BddTooLarge
from pumpsafe.hazards.fta_json import summary
from pumpsafe.hazards.preprocess import preprocess
from pumpsafe.hazards.tree import FaultTree
from pumpsafe.hazards.truncated import truncated_cut_sets
from pumpsafe.model.errors import InputError

try:  # tests/ is a plain folder (pytest puts it on sys.path) or a package
    import fta_oracle as oracle
except ModuleNotFoundError:  # pragma: no cover
    from tests import fta_oracle as oracle

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLACK = 1e-12
"""Float slack on the probability inequalities (both sides are sums of products of floats)."""

Case = tuple[FaultTree, str, dict[str, float]]
coherent_trees = oracle.fault_trees(
    max_events=8, max_gates=8, ops=oracle.COHERENT_OPS, house_events=False
)


def _p_set(s: frozenset[str], p: dict[str, float]) -> float:
    return math.prod(p[e] for e in s)


def _cutoff_between(sets: set[frozenset[str]], p: dict[str, float], pick: int) -> float:
    """A cut-off halfway (geometrically) between two distinct set probabilities, so that no set
    sits on the boundary; 0 keeps everything."""
    values = sorted({_p_set(s, p) for s in sets if _p_set(s, p) > 0.0})
    if len(values) < 2 or pick == 0:
        return 0.0
    i = 1 + pick % (len(values) - 1)
    return math.sqrt(values[i - 1] * values[i])


@PROPERTY
@given(coherent_trees, st.integers(0, 5), st.sampled_from([None, 1, 2, 3]))
def test_kept_sets_are_the_minimal_cut_sets_above_the_cutoff(
    case: Case, pick: int, max_order: int | None
) -> None:
    """Exactly true whatever is dropped at intermediate gates: every top minimal cut set of
    probability >= cutoff (order <= max_order) is kept, and nothing else."""
    tree, top, p = case
    mcs = oracle.positive_mcs(tree, top)
    cutoff = _cutoff_between(mcs, p, pick)
    options = FtaOptions(
        top=top, cutoff=cutoff, max_order=max_order, list_sets=True, list_limit=None,
        force_truncated=True,
    )
    result = analyze(tree, options)
    expected = {
        s for s in mcs
        if _p_set(s, p) >= cutoff and (max_order is None or len(s) <= max_order)
    }
    assert result.cut_sets.sets is not None
    assert {frozenset(s) for s in result.cut_sets.sets} == expected
    assert result.cut_sets.count == len(expected)


@PROPERTY
@given(coherent_trees, st.integers(0, 5), st.sampled_from([None, 1, 2]))
def test_bounds_hold(case: Case, pick: int, max_order: int | None) -> None:
    """L <= P <= U, the stated error bound covers P - L, and the error propagated through the
    gates alone (without the structural upper bound) covers it too."""
    tree, top, p = case
    exact = oracle.probability(tree, top, p)
    cutoff = _cutoff_between(oracle.positive_mcs(tree, top), p, pick)
    options = FtaOptions(top=top, cutoff=cutoff, max_order=max_order, force_truncated=True)
    result = analyze(tree, options)
    assert result.probability_bounds is not None
    lower, upper = result.probability_bounds
    assert result.probability == lower
    assert lower <= exact + SLACK, (lower, exact)
    assert exact <= upper + SLACK, (exact, upper)
    assert result.truncation is not None
    assert result.truncation.error_bound >= exact - lower - SLACK
    formula = preprocess(tree, top)
    events = [p[e] for e in formula.events]
    found = truncated_cut_sets(formula, events, cutoff, max_order)
    assert found.error_bound >= exact - lower - SLACK, (found.error_bound, exact - lower)
    assert found.upper_bound >= exact - SLACK


@PROPERTY
@given(coherent_trees)
def test_no_cutoff_is_exact(case: Case) -> None:
    tree, top, p = case
    exact = oracle.probability(tree, top, p)
    result = analyze(tree, FtaOptions(top=top, cutoff=0.0, force_truncated=True))
    assert result.probability_bounds is not None
    lower, upper = result.probability_bounds
    assert math.isclose(lower, exact, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(upper, exact, rel_tol=1e-9, abs_tol=1e-12)
    assert result.cut_sets.count == len(oracle.positive_mcs(tree, top))


def _tree() -> tuple[FaultTree, str]:
    from pumpsafe.hazards import Constant, add_basic_event, add_gate, new_tree

    tree = new_tree()
    for i, pe in enumerate([0.1, 0.2, 0.3, 0.01, 0.02]):
        add_basic_event(tree, f"e{i}", Constant(pe))
    add_gate(tree, "a", "and", ["e0", "e1"])
    add_gate(tree, "b", "atleast", ["e2", "e3", "e4"], k=2)
    add_gate(tree, "top", "or", ["a", "b", "e3"])
    return tree, "top"


def test_labelled_as_bounds_in_json_and_summary() -> None:
    tree, top = _tree()
    result = analyze(tree, FtaOptions(top=top, cutoff=1e-3, force_truncated=True))
    document = json.loads(to_json(result))
    assert document["probability_method"] == "bdd-truncated"
    bounds = document["probability_bounds"]
    assert bounds["lower"] == document["probability"] <= bounds["upper"]
    truncation = document["minimal_cut_sets"]["truncation"]
    assert truncation["cutoff"] == 1e-3 and truncation["dropped"] is None
    assert math.isclose(truncation["error_bound"], bounds["upper"] - bounds["lower"])
    text = summary(result)
    assert "bounds" in text and "exact" not in text
    assert "only the minimal cut sets with P >= 0.001 were computed" in text


def test_exact_path_unchanged() -> None:
    tree, top = _tree()
    document = json.loads(to_json(analyze(tree, FtaOptions(top=top))))
    assert document["probability_method"] == "bdd-exact"
    assert "probability_bounds" not in document


def test_bdd_too_large_takes_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decision is the BDD builder's BddTooLarge (node budgets), not a flag."""

    def too_large(*_args: object, **_kwargs: object) -> object:
        raise BddTooLarge("test")

    monkeypatch.setattr(analysis_module, "build_formula_bdd", too_large)
    tree, top = _tree()
    result = analyze(tree, FtaOptions(top=top))
    assert result.probability_method == "bdd-truncated"
    assert result.probability_bounds is not None


def test_non_coherent_blow_up_is_a_clear_error() -> None:
    from pumpsafe.hazards import add_gate

    tree, _ = _tree()
    add_gate(tree, "n", "not", ["e1"])
    add_gate(tree, "top2", "and", ["top", "n"])
    with pytest.raises(InputError, match="coherent"):
        analyze(tree, FtaOptions(top="top2", force_truncated=True))
