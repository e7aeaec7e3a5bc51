"""Brute-force oracle for small fault trees: truth tables, cut sets, prime implicants.

Everything here enumerates all assignments, so it is only for trees of up to ~12 events; it
shares no code with the engine (no BDD, no ZDD).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

import networkx as nx
from hypothesis import strategies as st
from pumpsafe.hazards import Constant, add_basic_event, add_gate, add_house_event, new_tree
from pumpsafe.hazards.tree import FaultTree

Assignment = Mapping[str, bool]


def evaluate(tree: FaultTree, top: str, values: Assignment) -> bool:
    """Truth value of ``top`` when the basic events take ``values``."""
    result: dict[str, bool] = {}
    for node in nx.dfs_postorder_nodes(tree, top):
        data = tree.nodes[node]
        if data["kind"] == "basic":
            result[node] = values[node]
        elif data["kind"] == "house":
            result[node] = data["state"]
        else:
            args = [result[a] for a in tree.successors(node)]
            op = data["op"]
            value = {
                "and": all(args),
                "or": any(args),
                "nand": not all(args),
                "nor": not any(args),
                "xor": sum(args) % 2 == 1,
                "not": not args[0],
                "atleast": sum(args) >= (data["k"] or 0),
            }[op]
            result[node] = value
    return result[top]


def events_below(tree: FaultTree, top: str) -> list[str]:
    """Basic events under ``top``, sorted."""
    return sorted(n for n in nx.descendants(tree, top) if tree.nodes[n]["kind"] == "basic")


def probability(tree: FaultTree, top: str, p: Mapping[str, float]) -> float:
    """Exact top probability by summing the weights of the true rows of the truth table."""
    events = events_below(tree, top)
    total = 0.0
    for bits in itertools.product((False, True), repeat=len(events)):
        values = dict(zip(events, bits, strict=True))
        if evaluate(tree, top, values):
            weight = 1.0
            for e, b in values.items():
                weight *= p[e] if b else 1.0 - p[e]
            total += weight
    return total


def positive_mcs(tree: FaultTree, top: str) -> set[frozenset[str]]:
    """Minimal sets S such that the top event holds when exactly the events of S occur."""
    events = events_below(tree, top)
    solutions = [
        frozenset(s)
        for r in range(len(events) + 1)
        for s in itertools.combinations(events, r)
        if evaluate(tree, top, {e: e in s for e in events})
    ]
    return {s for s in solutions if not any(o < s for o in solutions)}


def prime_implicants(tree: FaultTree, top: str) -> set[frozenset[str]]:
    """Prime implicants as sets of literals (``"e"`` or ``"NOT e"``), from the truth table."""
    events = events_below(tree, top)
    table = {
        bits: evaluate(tree, top, dict(zip(events, bits, strict=True)))
        for bits in itertools.product((False, True), repeat=len(events))
    }

    def implies(cube: dict[int, bool]) -> bool:
        return all(v for bits, v in table.items() if all(bits[i] == b for i, b in cube.items()))

    implicants = []
    for choice in itertools.product((None, False, True), repeat=len(events)):
        cube = {i: c for i, c in enumerate(choice) if c is not None}
        if implies(cube):
            implicants.append(cube)
    primes = set()
    for cube in implicants:
        if all(not implies({j: c for j, c in cube.items() if j != i}) for i in cube):
            primes.add(frozenset(events[i] if b else f"NOT {events[i]}" for i, b in cube.items()))
    return primes


def conditional(tree: FaultTree, top: str, p: Mapping[str, float], event: str, v: bool) -> float:
    """P(top | event = v) by brute force."""
    return probability(tree, top, {**p, event: 1.0 if v else 0.0})


ALL_OPS = ("and", "or", "atleast", "not", "xor", "nand", "nor")
COHERENT_OPS = ("and", "or", "atleast")


@st.composite
def fault_trees(
    draw: Callable[..., object],
    max_events: int = 8,
    max_gates: int = 8,
    ops: tuple[str, ...] = ALL_OPS,
    house_events: bool = True,
) -> tuple[FaultTree, str, dict[str, float]]:
    """A random tree over the gate types ``ops`` (by default every one) with shared subtrees;
    returns (tree, top, p)."""
    n_events = int(str(draw(st.integers(1, max_events))))
    n_gates = int(str(draw(st.integers(1, max_gates))))
    tree = new_tree()
    p: dict[str, float] = {}
    nodes: list[str] = []
    prob = st.one_of(st.sampled_from([0.0, 1.0, 0.5]), st.floats(0.0, 1.0))
    for i in range(n_events):
        name = f"e{i}"
        p[name] = float(str(draw(prob)))
        add_basic_event(tree, name, Constant(p[name]))
        nodes.append(name)
    if house_events and draw(st.booleans()):
        add_house_event(tree, "h", bool(draw(st.booleans())))
        nodes.append("h")
    for j in range(n_gates):
        op = str(draw(st.sampled_from(ops)))
        pool = nodes
        size = 1 if op == "not" else int(str(draw(st.integers(2, min(4, max(2, len(pool)))))))
        if len(pool) < size:
            op, size = ("not", 1) if "not" in ops else ("or", len(pool))
        gates = pool[len(pool) - j :] if j else []
        # Half the arguments are earlier gates when there are some: shared subtrees, and nested
        # gates of every pair of types (a NAND under an AND, ...), which the preprocessor's
        # rewritings act on (uniform over all nodes, a planted wrong coalescing was missed in
        # 4 of 40 seeds at 200 examples; 0 of 40 this way).
        arg = st.sampled_from(pool)
        if gates:
            arg = st.one_of(arg, st.sampled_from(gates))
        args = draw(st.lists(arg, min_size=size, max_size=size, unique=True))
        assert isinstance(args, list)
        k = int(str(draw(st.integers(1, size)))) if op == "atleast" else None
        name = f"g{j}"
        add_gate(tree, name, op, [str(a) for a in args], k=k)
        nodes.append(name)
    return tree, f"g{n_gates - 1}", p
