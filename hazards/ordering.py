"""Static variable ordering for the BDD of a preprocessed fault tree (:mod:`.preprocess`).

Heuristic: depth-first, left-most order (Bouissou, Bruyère and Rauzy, "BDD based fault-tree
processing: a comparison of variable ordering heuristics", ESREL 1997): walk the formula from the
top event depth first and number each basic event at its first visit. Events close together in
the tree end up close together in the order, and every independent module (Dutuit and Rauzy
1996, :mod:`.modules`) gets a contiguous block of levels: its events are reachable only through
it, so the walk meets all of them while inside it.

The variants differ only in the order in which a gate's arguments are visited:
:func:`depth_first_order` keeps the written order, :func:`reversed_depth_first_order` takes it
backwards, :func:`largest_first_order` visits the argument with the most events below it first
and :func:`smallest_first_order` the one with the fewest (AND/OR chains are already merged by
the preprocessor's coalescing). None is good on every Aralia tree (largest-first is five to
twenty times smaller on edf9204 and edf9206, much larger on edf9203; on edf9202 smallest-first
gives 3 098 nodes and reversed 8 639 where written-order gives 416 675 and largest-first 4.1
million), so :func:`pumpsafe.hazards.bdd.build_bdd` tries them under node budgets and then
sifts. All are deterministic.

Events the preprocessor eliminated (under a constant) come last, in their original order.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
from pumpsafe.hazards.preprocess import Formula
from pumpsafe.hazards.tree import FaultTree


def depth_first_order(formula: Formula) -> list[str]:
    """Basic events of ``formula`` in depth-first, left-most first-visit order (iterative)."""
    return _first_visit_order(formula, lambda node: [a >> 1 for a in formula.gates[node].args])


def reversed_depth_first_order(formula: Formula) -> list[str]:
    """Depth-first first-visit order with each gate's arguments visited last to first."""
    return _first_visit_order(
        formula, lambda node: [a >> 1 for a in reversed(formula.gates[node].args)]
    )


def smallest_first_order(formula: Formula) -> list[str]:
    """Depth-first order with each gate's arguments visited smallest first (by the number of
    basic events below them; ties keep the written order)."""
    size = events_below(formula)
    return _first_visit_order(
        formula,
        lambda node: sorted((a >> 1 for a in formula.gates[node].args), key=lambda n: size[n]),
    )


def largest_first_order(formula: Formula) -> list[str]:
    """Depth-first order with each gate's arguments visited largest first (by the number of
    basic events below them; ties keep the written order)."""
    size = events_below(formula)
    return _first_visit_order(
        formula,
        lambda node: sorted((a >> 1 for a in formula.gates[node].args), key=lambda n: -size[n]),
    )


def _first_visit_order(formula: Formula, arguments_of: Callable[[int], list[int]]) -> list[str]:
    """Events in depth-first first-visit order, a gate's arguments in the given order, then the
    events that are not below the root."""
    order: list[str] = []
    seen: set[int] = {0}
    stack = [formula.root >> 1]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if not formula.is_gate(node):
            order.append(formula.event_of(node))
            continue
        # Reversed so that the first argument is popped (visited) first.
        stack.extend(reversed(arguments_of(node)))
    placed = set(order)
    return order + [e for e in formula.events if e not in placed]


def events_below(formula: Formula) -> dict[int, int]:
    """Number of distinct basic events below each node (bit sets as Python integers)."""
    below: dict[int, int] = {0: 0}
    for node in range(1, len(formula.events) + 1):
        below[node] = 1 << node
    for node, gate in formula.gates.items():  # children first
        mask = 0
        for a in gate.args:
            mask |= below[a >> 1]
        below[node] = mask
    return {node: mask.bit_count() for node, mask in below.items()}


def tree_largest_first_order(tree: FaultTree, top: str) -> list[str]:
    """:func:`largest_first_order` computed on the tree as written (before preprocessing).

    A gate used once by a gate of the same AND/OR type is merged into its parent, and the
    arguments of each gate are visited largest first. This differs from the order on the formula
    where preprocessing has merged equal gates into one shared node (which then is not merged
    into its parents); on edf9204 it gives 118 386 nodes against 193 783, so
    :func:`pumpsafe.hazards.bdd.build_bdd` tries it first.
    """
    size = _tree_events_below(tree, top)
    order: list[str] = []
    seen: set[str] = set()
    stack = [top]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        kind = tree.nodes[node]["kind"]
        if kind == "basic":
            order.append(node)
        elif kind == "gate":
            args = sorted(_coalesced_arguments(tree, node), key=lambda a: -size[a])
            stack.extend(reversed(args))
    return order


def _coalesced_arguments(tree: FaultTree, gate: str) -> list[str]:
    op = tree.nodes[gate].get("op")
    out: list[str] = []
    pending = list(reversed(list(tree.successors(gate))))
    while pending:
        arg = pending.pop()
        data = tree.nodes[arg]
        if op in ("and", "or") and data.get("op") == op and tree.in_degree(arg) == 1:
            pending.extend(reversed(list(tree.successors(arg))))
        else:
            out.append(arg)
    return out


def _tree_events_below(tree: FaultTree, top: str) -> dict[str, int]:
    bit: dict[str, int] = {}
    below: dict[str, int] = {}
    for node in nx.dfs_postorder_nodes(tree, top):
        if tree.nodes[node]["kind"] == "basic":
            bit.setdefault(node, 1 << len(bit))
            below[node] = bit[node]
        else:
            mask = 0
            for arg in tree.successors(node):
                mask |= below[arg]
            below[node] = mask
    return {node: mask.bit_count() for node, mask in below.items()}
