"""The BDD of a fault tree's top event, built with CUDD (``dd.cudd``).

Library choice, measured on this project's 2-core VM (``bench/fta.py --compare-libraries``
prints the same figures): building the top-event BDD with the depth-first order of
:mod:`pumpsafe.hazards.ordering` took, for cea9601, 0.07 s with ``dd.cudd`` and 0.10 s with
``oxidd`` (BCDD); for edfpa14b 0.21 s against 0.36 s. Both give the same node count. The Python
side (flattening, quantification, minimal solutions) dominates either way, so we use CUDD as
DESIGN.md asks and keep every traversal on our own flat arrays (:mod:`pumpsafe.hazards.flat`).

Dynamic reordering is off: the static order is good on every benchmark tree and a fixed order
keeps results and timings reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dd.cudd as cudd
import networkx as nx
from pumpsafe.hazards.ordering import depth_first_order
from pumpsafe.hazards.tree import FaultTree


@dataclass
class TopBdd:
    """A top-event BDD: the manager, the root, and the variables in level order."""

    manager: Any
    root: Any
    variables: list[str]


def _atleast(manager: Any, args: list[Any], k: int) -> Any:
    """BDD of 'at least k of args' by dynamic programming over (argument, votes still needed)."""
    # row[j] = at least j of the remaining arguments; built from the last argument backwards.
    row = [manager.true] + [manager.false] * k
    for arg in reversed(args):
        row = [manager.true] + [manager.ite(arg, row[j - 1], row[j]) for j in range(1, k + 1)]
    return row[k]


def _combine(manager: Any, op: str, args: list[Any], k: int | None) -> Any:
    if op in ("and", "nand"):
        result = manager.true
        for arg in args:
            result &= arg
    elif op in ("or", "nor"):
        result = manager.false
        for arg in args:
            result |= arg
    elif op == "xor":
        result = manager.false
        for arg in args:
            result = manager.apply("xor", result, arg)
    elif op == "atleast":
        result = _atleast(manager, args, int(k if k is not None else 1))
    else:  # not
        result = ~args[0]
    return ~result if op in ("nand", "nor") else result


def build_bdd(tree: FaultTree, top: str, order: list[str] | None = None) -> TopBdd:
    """Build the BDD of gate ``top`` of a validated ``tree``.

    ``order`` gives the variable order (top level first); by default the depth-first order. Gate
    BDDs are built bottom-up without recursion and released once every parent has used them.
    """
    variables = order if order is not None else depth_first_order(tree, top)
    manager = cudd.BDD()
    manager.configure(reordering=False)
    manager.declare(*variables)
    done: dict[str, Any] = {}
    waiting = {n: tree.in_degree(n) for n in nx.descendants(tree, top)}
    for node in nx.dfs_postorder_nodes(tree, top):
        data = tree.nodes[node]
        if data["kind"] == "basic":
            done[node] = manager.var(node)
        elif data["kind"] == "house":
            done[node] = manager.true if data["state"] else manager.false
        else:
            args = [done[a] for a in tree.successors(node)]
            done[node] = _combine(manager, data["op"], args, data.get("k"))
            for arg in tree.successors(node):
                waiting[arg] -= 1
                if waiting[arg] == 0:
                    del done[arg]
    return TopBdd(manager, done[top], variables)
