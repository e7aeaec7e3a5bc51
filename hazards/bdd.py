"""The BDD of a fault tree's top event, built with CUDD (``dd.cudd``).

Variable order (see :func:`build_bdd`): two static depth-first orders are tried under a node
budget and the smaller BDD is improved by CUDD's group sifting, limited in swaps. Sifting is why
the library is CUDD: on the Aralia trees it makes BDDs 4 to 20 times smaller than the
depth-first order (edfpa14b 203 172 -> 36 210 nodes, edf9204 761 601 -> 28 383, edf9202
413 296 -> 19 687), and the minimal-cut-set step, the slow one, costs in proportion to the BDD.

Library choice, measured on this project's 2-core VM (load 3 to 3.5 from other jobs, so absolute
times are pessimistic): rebuilding the top-event BDD with the final (sifted) order took, for
edfpa14b, 0.06 s with ``dd.cudd`` and 0.49 s with ``oxidd`` 0.13 (BCDD, one thread, manager of
2·10^7 nodes); for edf9204 0.32 s against 0.61 s; both give the same node counts. ``oxidd``'s
Python API offers no dynamic reordering (only ``set_var_order``). An earlier measurement with
the plain depth-first order, not repeated here (cea9601 2.5 s CUDD vs 1.2 s oxidd; edfpa14b
0.51 s vs 0.11 s; oxidd out of memory on das9701), does not outweigh that. Every traversal
after the build runs on our own flat arrays (:mod:`pumpsafe.hazards.flat`).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dd.cudd as cudd
import networkx as nx
from pumpsafe.hazards.ordering import depth_first_order, largest_first_order
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


def _no_check() -> None:
    pass


def _combine(
    manager: Any, op: str, args: list[Any], k: int | None, check: Callable[[], None] = _no_check
) -> Any:
    if op in ("and", "nand"):
        result = manager.true
        for arg in args:
            result &= arg
            check()
    elif op in ("or", "nor"):
        result = manager.false
        for arg in args:
            result |= arg
            check()
    elif op == "xor":
        result = manager.false
        for arg in args:
            result = manager.apply("xor", result, arg)
    elif op == "atleast":
        result = _atleast(manager, args, int(k if k is not None else 1))
    else:  # not
        result = ~args[0]
    return ~result if op in ("nand", "nor") else result


class _OverBudget(Exception):
    """A candidate variable order made the BDD manager grow past its node budget."""


SMALL_ENOUGH = 40_000
"""A BDD of at most this many nodes is kept as built: neither another order nor sifting pays."""

NODE_BUDGET = 600_000
"""Live nodes (CUDD's count, intermediate results included) past which the first candidate order
is abandoned."""

SIFT_SWAPS = 60_000
"""Variable swaps allowed to CUDD's sifting on a BDD larger than :data:`SMALL_ENOUGH` (this does
not bound its time on a BDD of millions of nodes: cea9601 takes about 50 s)."""


def build_bdd(tree: FaultTree, top: str, order: list[str] | None = None) -> TopBdd:
    """Build the BDD of gate ``top`` of a validated ``tree``.

    ``order`` gives the variable order (top level first) and is used as given. By default two
    static orders are tried: :func:`~pumpsafe.hazards.ordering.largest_first_order`, abandoned
    when the manager grows past :data:`NODE_BUDGET`, then (unless the first BDD has at most
    :data:`SMALL_ENOUGH` nodes) :func:`~pumpsafe.hazards.ordering.depth_first_order`, abandoned
    past twice the size already found (with no budget when it is the only one left). The smaller
    BDD is then improved by CUDD's group sifting limited to :data:`SIFT_SWAPS` swaps. Every step
    is deterministic.
    """
    if order is not None:
        return _build(tree, top, order, None)
    best: TopBdd | None = None
    for make in (largest_first_order, depth_first_order):
        budget = NODE_BUDGET if best is None else 2 * len(best.root)
        try:
            built = _build(tree, top, make(tree, top), budget if make is not depth_first_order
                           or best is not None else None)
        except _OverBudget:
            continue
        if best is None or len(built.root) < len(best.root):
            best = built
        if len(best.root) <= SMALL_ENOUGH:
            return best
    assert best is not None  # the depth-first order is tried last with no budget
    _sift(best)
    return best


def _sift(built: TopBdd) -> None:
    """Limited group sifting, then the variable list re-read in the new level order."""
    manager = built.manager
    manager.configure(max_swaps=SIFT_SWAPS, max_growth=1.1)
    cudd.reorder(manager)
    built.variables.sort(key=manager.level_of_var)


def _build(tree: FaultTree, top: str, variables: list[str], budget: int | None) -> TopBdd:
    """Gate BDDs bottom-up without recursion, each released once every parent has used it.

    With a ``budget``, CUDD's live-node count is read after an AND/OR step when 20 ms have
    passed since the last reading (a reading costs about 2 ms) and :class:`_OverBudget` raised
    past it. Only when to look depends on time; the BDD built never does.
    """
    manager = cudd.BDD()
    manager.configure(reordering=False)
    manager.declare(*variables)
    done: dict[str, Any] = {}
    waiting = {n: tree.in_degree(n) for n in nx.descendants(tree, top)}
    next_check = time.perf_counter()

    def check() -> None:
        nonlocal next_check
        if budget is not None and time.perf_counter() >= next_check:
            if _live_nodes(manager) > budget:
                raise _OverBudget(node)
            next_check = time.perf_counter() + 0.02

    for node in nx.dfs_postorder_nodes(tree, top):
        data = tree.nodes[node]
        if data["kind"] == "basic":
            done[node] = manager.var(node)
        elif data["kind"] == "house":
            done[node] = manager.true if data["state"] else manager.false
        else:
            args = [done[a] for a in tree.successors(node)]
            done[node] = _combine(manager, data["op"], args, data.get("k"), check)
            for arg in tree.successors(node):
                waiting[arg] -= 1
                if waiting[arg] == 0:
                    del done[arg]
    return TopBdd(manager, done[top], list(variables))


def _live_nodes(manager: Any) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dd warns that the 'mem' entry changed units
        return int(manager.statistics()["n_nodes"])
