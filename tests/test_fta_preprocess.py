"""Preprocessing keeps the Boolean function: preprocessed formula vs the tree itself."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from pumpsafe.hazards import Constant, add_basic_event, add_gate, add_house_event, new_tree
from pumpsafe.hazards import preprocess as pp
from pumpsafe.hazards.bdd import build_formula_bdd
from pumpsafe.hazards.mef_reader import read_mef
from pumpsafe.hazards.ordering import depth_first_order
from pumpsafe.hazards.tree import FaultTree

try:  # tests/ is a plain folder (pytest puts it on sys.path) or a package
    import fta_oracle as oracle
except ModuleNotFoundError:  # pragma: no cover
    from tests import fta_oracle as oracle

DATA = Path(__file__).parent / "data" / "openpsa"
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _value(formula: pp.Formula, values: dict[str, bool]) -> bool:
    """The formula's truth value under ``values``, by direct evaluation (no BDD)."""
    node_value: dict[int, bool] = {0: True}
    for i, name in enumerate(formula.events):
        node_value[i + 1] = values[name]
    for node, gate in formula.gates.items():
        args = [node_value[a >> 1] ^ bool(a & 1) for a in gate.args]
        node_value[node] = {
            "and": all(args),
            "or": any(args),
            "xor": sum(args) % 2 == 1,
            "atleast": sum(args) >= gate.k,
        }[gate.op]
    return node_value[formula.root >> 1] ^ bool(formula.root & 1)


def _same_function(tree: FaultTree, top: str) -> None:
    """The preprocessed formula, before and after factoring, has the tree's truth table."""
    written = pp.preprocess(tree, top)
    events = oracle.events_below(tree, top)
    for formula in (written, pp.factor_common_arguments(written)):
        assert set(formula.events) == set(events)
        for bits in itertools.product((False, True), repeat=len(events)):
            values = dict(zip(events, bits, strict=True))
            assert _value(formula, values) == oracle.evaluate(tree, top, values), values
        for node, gate in formula.gates.items():  # children first, no NULL gate left
            assert all((a >> 1) < node for a in gate.args)
            assert len(gate.args) >= 2


@PROPERTY
@given(oracle.fault_trees(max_events=8, max_gates=10))
def test_preprocessed_formula_has_the_trees_truth_table(
    case: tuple[FaultTree, str, dict[str, float]],
) -> None:
    _same_function(*case[:2])


def _reference_bdd(manager: Any, tree: FaultTree, top: str) -> Any:
    """BDD of the unprocessed tree, gate by gate as written (shares no code with the engine)."""
    done: dict[str, Any] = {}
    for node in nx.dfs_postorder_nodes(tree, top):
        data = tree.nodes[node]
        if data["kind"] == "basic":
            done[node] = manager.var(node)
        elif data["kind"] == "house":
            done[node] = manager.true if data["state"] else manager.false
        else:
            args = [done[a] for a in tree.successors(node)]
            op = data["op"]
            if op in ("and", "nand"):
                value = manager.true
                for a in args:
                    value &= a
            elif op in ("or", "nor"):
                value = manager.false
                for a in args:
                    value |= a
            elif op == "xor":
                value = manager.false
                for a in args:
                    value = manager.apply("xor", value, a)
            elif op == "not":
                value = ~args[0]
            else:
                value = manager.false
                k = int(data["k"])
                for chosen in itertools.combinations(args, k):
                    term = manager.true
                    for a in chosen:
                        term &= a
                    value |= term
            done[node] = ~value if op in ("nand", "nor") else value
    return done[top]


ROWS = [("baobab2.xml", "r1"), ("chinese.xml", "r1"), ("das9202.xml", "r1"),
        ("das9204.xml", "r1"), ("das9205.xml", "r1"), ("das9601.xml", "r1"),
        ("edf9205.xml", "r1"), ("ftr10.xml", "r1"), ("isp9605.xml", "r1"), ("isp9606.xml", "r1")]


@pytest.mark.parametrize(("name", "top"), ROWS, ids=[r[0] for r in ROWS])
def test_preprocessed_bdd_is_the_unprocessed_bdd(name: str, top: str) -> None:
    """Same order, same manager: CUDD's canonical form makes equal functions equal nodes."""
    tree = read_mef([DATA / name])
    formula = pp.preprocess(tree, top)
    built = build_formula_bdd(formula, depth_first_order(formula))
    assert built.root == _reference_bdd(built.manager, tree, top)
    factored = pp.factor_common_arguments(formula)
    again = build_formula_bdd(factored, depth_first_order(formula))
    assert again.root == _reference_bdd(again.manager, tree, top)


def _small_tree() -> FaultTree:
    tree = new_tree()
    for name in "abcd":
        add_basic_event(tree, name, Constant(0.1))
    add_house_event(tree, "on", True)
    add_house_event(tree, "off", False)
    return tree


def test_constants_propagate_and_null_gates_vanish() -> None:
    tree = _small_tree()
    add_gate(tree, "dead", "and", ["a", "off"])  # FALSE
    add_gate(tree, "vote", "atleast", ["on", "b", "c", "dead"], k=2)  # 1 of {b, c}: OR
    add_gate(tree, "one", "or", ["d"])  # NULL gate
    add_gate(tree, "top", "and", ["vote", "one", "on"])
    formula = pp.preprocess(tree, "top")
    assert [(g.op, len(g.args)) for g in formula.gates.values()] == [("or", 2), ("and", 2)]
    _same_function(tree, "top")


def test_nested_gates_coalesce_through_negations() -> None:
    tree = _small_tree()
    add_gate(tree, "ab", "nor", ["a", "b"])  # NOT a AND NOT b
    add_gate(tree, "cd", "and", ["c", "d"])
    add_gate(tree, "top", "and", ["ab", "cd"])
    formula = pp.preprocess(tree, "top")
    assert len(formula.gates) == 1
    (gate,) = formula.gates.values()
    assert gate.op == "and" and sorted(gate.args) == [3, 5, 6, 8]  # NOT a, NOT b, c, d
    _same_function(tree, "top")


def test_a_shared_gate_is_not_merged_and_equal_gates_are_one() -> None:
    tree = _small_tree()
    add_gate(tree, "x", "or", ["a", "b"])
    add_gate(tree, "y", "or", ["b", "a"])  # the same gate as x
    add_gate(tree, "top", "or", ["x", "c", "g"])
    add_gate(tree, "g", "and", ["y", "d"])
    formula = pp.preprocess(tree, "top")
    ops = sorted(g.op for g in formula.gates.values())
    assert ops == ["and", "or", "or"]  # x = y shared by top and g: kept, not copied
    _same_function(tree, "top")


def test_complementary_arguments_decide_the_gate() -> None:
    tree = _small_tree()
    add_gate(tree, "na", "not", ["a"])
    add_gate(tree, "taut", "or", ["a", "na"])
    add_gate(tree, "vote", "atleast", ["a", "na", "b"], k=2)  # 1 + b >= 2: b
    add_gate(tree, "x", "xor", ["a", "na", "c"])  # TRUE xor c: NOT c
    add_gate(tree, "top", "and", ["taut", "vote", "x"])
    formula = pp.preprocess(tree, "top")
    assert [sorted(g.args) for g in formula.gates.values()] == [[4, 7]]  # b AND NOT c
    _same_function(tree, "top")


def test_planted_wrong_coalescing_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Merging a negated AND into an AND (De Morgan applied to the wrong type) must fail."""
    monkeypatch.setitem(pp._DUAL, "and", "and")
    with pytest.raises(AssertionError):
        test_preprocessed_formula_has_the_trees_truth_table()
    tree = _small_tree()
    add_gate(tree, "ab", "nand", ["a", "b"])
    add_gate(tree, "top", "and", ["ab", "c"])
    with pytest.raises(AssertionError):
        _same_function(tree, "top")


def test_planted_wrong_vote_propagation_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A TRUE argument of ATLEAST that does not lower k must make the checks fail."""
    original = pp._Builder._atleast

    def wrong(self: pp._Builder, args: list[int], k: int) -> int:
        return original(self, [a for a in args if a != pp.TRUE], k)

    monkeypatch.setattr(pp._Builder, "_atleast", wrong)
    with pytest.raises(AssertionError):
        test_constants_propagate_and_null_gates_vanish()


def _gates_as_text(formula: pp.Formula) -> list[str]:
    def name(lit: int) -> str:
        node = lit >> 1
        text = formula.event_of(node) if not formula.is_gate(node) else f"g{node}"
        return ("~" if lit & 1 else "") + text

    return [
        f"g{node}={gate.op}({','.join(sorted(name(a) for a in gate.args))})"
        for node, gate in formula.gates.items()
    ]


def test_a_common_argument_is_factored_out() -> None:
    """(a & b) | (a & c) | d = (a & (b | c)) | d, and the dual through De Morgan."""
    tree = _small_tree()
    add_gate(tree, "ab", "and", ["a", "b"])
    add_gate(tree, "ac", "and", ["a", "c"])
    add_gate(tree, "top", "or", ["ab", "ac", "d"])
    factored = pp.factor_common_arguments(pp.preprocess(tree, "top"))
    assert _gates_as_text(factored) == ["g5=or(b,c)", "g6=and(a,g5)", "g7=or(d,g6)"]
    _same_function(tree, "top")
    tree = _small_tree()
    add_gate(tree, "ab", "nand", ["a", "b"])  # ~a | ~b
    add_gate(tree, "ac", "or", ["c", "a"])
    add_gate(tree, "top", "and", ["ab", "ac", "d"])  # ~a must not be factored with a
    factored = pp.factor_common_arguments(pp.preprocess(tree, "top"))
    assert len(factored.gates) == 3
    _same_function(tree, "top")
    tree = _small_tree()
    add_gate(tree, "ab", "nand", ["a", "b"])  # ~a | ~b
    add_gate(tree, "ac", "nand", ["c", "a"])  # ~a | ~c
    add_gate(tree, "top", "and", ["ab", "ac", "d"])  # (~a | (~b & ~c)) & d
    factored = pp.factor_common_arguments(pp.preprocess(tree, "top"))
    assert _gates_as_text(factored) == ["g5=and(~b,~c)", "g6=or(g5,~a)", "g7=and(d,g6)"]
    _same_function(tree, "top")


def test_an_argument_absorbs_the_gates_that_need_it() -> None:
    """a | (a & b) = a, a & (a | b) = a, through a shared gate that stays for its other user."""
    tree = _small_tree()
    add_gate(tree, "ab", "and", ["a", "b"])
    add_gate(tree, "left", "or", ["a", "ab", "c"])  # a | c
    add_gate(tree, "top", "and", ["left", "ab", "d"])  # (a | c) & a & b & d = a & b & d
    factored = pp.factor_common_arguments(pp.preprocess(tree, "top"))
    assert _gates_as_text(factored) == ["g5=and(a,b,d)"]
    _same_function(tree, "top")


def test_planted_wrong_factoring_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a negated OR as the AND of its arguments not negated must make the checks fail."""

    def wrong(builder: pp._Builder, lit: int, op: str) -> list[int] | None:
        gate = builder.gates.get(lit >> 1)
        if gate is None or gate.op not in (pp._DUAL[op], op):
            return None
        return list(gate.args)

    monkeypatch.setattr(pp, "_dual_arguments", wrong)
    with pytest.raises(AssertionError):
        test_preprocessed_formula_has_the_trees_truth_table()
    with pytest.raises(AssertionError):
        test_a_common_argument_is_factored_out()
