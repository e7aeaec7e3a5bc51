"""Checks that a fault-tree graph is well formed, with errors that say where and how to fix.

A tree is valid when every node has a known kind, only gates have arguments, every argument is
defined, there is no cycle, each gate has a legal number of arguments (NOT exactly one, XOR at
least two, the others at least one), each ``atleast`` gate has ``1 <= k <= n`` and every constant
probability lies in [0, 1] (rates and times are non-negative).
"""

from __future__ import annotations

import networkx as nx
from pumpsafe.hazards.tree import GATE_OPS, Constant, Exponential, FaultTree
from pumpsafe.model.errors import InputError


def _where(tree: FaultTree, node: str, default: str) -> tuple[str, str]:
    """(file, element) for an error about ``node``; the node's ``source`` is ``file:line``."""
    source = str(tree.nodes[node].get("source", ""))
    path, _, line = source.rpartition(":")
    if path and line.isdigit():
        return path, f"line {line}: {node!r}"
    return default, repr(node)


def _check_gate(tree: FaultTree, gate: str, source: str) -> None:
    data = tree.nodes[gate]
    op, count = data.get("op"), tree.out_degree(gate)
    path, element = _where(tree, gate, source)
    if op not in GATE_OPS:
        raise InputError(path, element, f"unknown gate operator {op!r}", f"use one of {GATE_OPS}")
    minimum = {"not": 1, "xor": 2}.get(str(op), 1)
    if count < minimum or (op == "not" and count != 1):
        raise InputError(
            path,
            element,
            f"{op} gate has {count} argument(s)",
            "NOT takes exactly one argument, XOR at least two, the other gates at least one",
        )
    if op == "atleast":
        k = data.get("k")
        if not isinstance(k, int) or not 1 <= k <= count:
            raise InputError(
                path,
                element,
                f"atleast gate vote number k={k!r} is out of range for {count} arguments",
                f"k must be an integer from 1 to {count}",
            )


def _check_event(tree: FaultTree, node: str, source: str) -> None:
    data = tree.nodes[node]
    path, element = _where(tree, node, source)
    if tree.out_degree(node):
        raise InputError(path, element, "an event has arguments", "only gates have arguments")
    if data["kind"] == "house":
        if not isinstance(data.get("state"), bool):
            raise InputError(path, element, "house event without a truth value", "set state")
        return
    model = data.get("model")
    if isinstance(model, Constant):
        if not 0.0 <= model.probability <= 1.0:
            raise InputError(
                path,
                element,
                f"probability {model.probability!r} is outside [0, 1]",
                "give a probability from 0 to 1",
            )
    elif isinstance(model, Exponential):
        if model.rate_per_h < 0.0 or (model.time_h is not None and model.time_h < 0.0):
            raise InputError(path, element, "negative rate or time", "use values >= 0")
    else:
        raise InputError(path, element, "basic event without a probability model", "give one")


def _check_acyclic(tree: FaultTree, source: str) -> None:
    try:
        cycle = nx.find_cycle(tree)
    except nx.NetworkXNoCycle:
        return
    names = [str(edge[0]) for edge in cycle] + [str(cycle[0][0])]
    path, element = _where(tree, names[0], source)
    raise InputError(
        path,
        element,
        "gates refer to each other in a cycle: " + " -> ".join(names),
        "a fault tree must be acyclic; break the cycle",
    )


def validate_tree(tree: FaultTree, source: str = "<fault tree>") -> None:
    """Raise :class:`InputError` for the first problem found in ``tree``; return if it is valid.

    ``source`` names the origin of nodes that carry no ``source`` attribute of their own.
    """
    for node, data in tree.nodes(data=True):
        kind = data.get("kind")
        if kind is None:
            parents = sorted(str(p) for p in tree.predecessors(node))
            path, element = _where(tree, parents[0], source) if parents else (source, "")
            raise InputError(
                path,
                element,
                f"undefined event {node!r} (referenced by {', '.join(parents)})",
                "define it or fix the name",
            )
        if kind == "gate":
            _check_gate(tree, node, source)
        elif kind in ("basic", "house"):
            _check_event(tree, node, source)
        else:
            raise InputError(source, repr(node), f"unknown node kind {kind!r}", "gate/basic/house")
    _check_acyclic(tree, source)
