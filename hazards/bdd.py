"""The BDD of a fault tree's top event, built with CUDD (``dd.cudd``) from the preprocessed
formula (:mod:`pumpsafe.hazards.preprocess`: constants propagated, NULL gates removed, gates
coalesced and hashed, common arguments factored out).

Variable order (see :func:`build_formula_bdd`): two static depth-first orders are tried under a
small node budget and the smaller BDD is improved by CUDD's group sifting, limited in swaps;
when neither fits, progressive sifting (:func:`_progressive`) sifts the gates on the path to the
top one at a time as they are built. Sifting is why
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

import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import dd.cudd as cudd
from pumpsafe.hazards import forked
from pumpsafe.hazards.ordering import (
    depth_first_order,
    events_below,
    largest_first_order,
    reversed_depth_first_order,
    smallest_first_order,
    tree_largest_first_order,
)
from pumpsafe.hazards.preprocess import (
    Formula,
    Gate,
    factor_common_arguments,
    is_negation_free,
    parent_counts,
    postorder_gates,
    preprocess,
)
from pumpsafe.hazards.tree import FaultTree
from pumpsafe.hazards.zdd import BASE, EMPTY, Zdd


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
        row = [manager.true] + [
            manager.apply("ite", arg, row[j - 1], row[j]) for j in range(1, k + 1)
        ]
    return row[k]


def _combine(manager: Any, gate: Gate, args: list[Any]) -> Any:
    """``gate.op`` over ``args``. ``manager.apply`` (not ``&``/``|``), because it raises when CUDD
    gives up on its memory limit (``Function.__and__`` would wrap the NULL result)."""
    if gate.op == "atleast":
        return _atleast(manager, args, gate.k)
    result = manager.true if gate.op == "and" else manager.false
    for arg in args:
        result = manager.apply(gate.op, result, arg)
    return result


class BddTooLarge(Exception):
    """Every candidate variable order made the BDD exceed its node budget."""


class _OverBudget(Exception):
    """A candidate variable order made the BDD manager grow past its node budget."""


SMALL_ENOUGH = 40_000
"""A BDD of at most this many nodes is not worth trying another order for."""

SIFT_ABOVE = 10_000
"""A BDD of more nodes is sifted. Sifting 10 000 to 40 000 nodes takes a few hundredths of a
second and the minimal-cut-set step then runs on a BDD two to six times smaller (edfpa15p:
39 074 -> 6 583 nodes, cut sets 0.47 s -> 0.09 s)."""

BYTES_PER_NODE = 100
"""Memory allowed per node of a budget: a node is 32 bytes, plus its share of CUDD's unique
table and computed table (measured: a cap of 50 MB stops a fresh manager near 520 000 nodes)."""

NODE_BUDGET = 1_000_000
"""Unit of the live-node budgets (intermediate results included) under which the candidate
orders are tried (see :func:`build_formula_bdd`)."""

SIFT_SWAPS = 60_000
"""Variable swaps allowed to CUDD's sifting on a BDD larger than :data:`SIFT_ABOVE` (this does
not bound its time on a BDD of a million nodes: cea9601 takes about 13 s)."""

SIFT_GROWTH = (1.01, 1.1)
"""CUDD's ``max_growth`` in two sifting rounds: a variable stops moving in one direction once
the BDD has grown by this factor. A first round at 1.01 is cheap on a large BDD and a second
round at 1.1 then runs on the smaller BDD. Measured (load about 2, seconds for both rounds,
final nodes), 1.01 against 1.02 first: cea9601 10.1 s / 71 834 against 12.7 s / 69 139;
edfpa14o 1.8 s / 6 371 against 2.2 s / 5 968; edfpa14q 1.1 s / 7 271 against 1.3 s / 10 138
(1.1 alone: about 45 s on cea9601). The second round uses :data:`LARGE_SIFT_GROWTH` instead
when the first leaves more than :data:`LARGE_AFTER_FIRST` nodes."""

LARGE_SIFT_GROWTH = 1.05
"""``max_growth`` of the second sifting round when the first round left more than
:data:`LARGE_AFTER_FIRST` nodes. On such a BDD a round costs seconds and 1.05 finds the same or a
smaller BDD than 1.1 in about half the time. Measured (CPU seconds of the second round, nodes
after it; load 2 to 4): cea9601 (276 401 nodes after the first round) 2.5 s / 59 523 against
5.2 s / 71 834 (1.03: 2.3 s / 136 905; 1.07: 3.4 s / 59 523); das9701 (451 392 nodes) 3.5 s /
256 537 against 7.7 s / 256 537. On smaller BDDs the second round is cheap and 1.1 is kept: with
1.05 edfpa14r ends at 22 541 nodes against 9 288 and its cut sets take longer, edfpa14q at 14 479
against 7 271."""

LARGE_AFTER_FIRST = 150_000
"""Nodes after the first sifting round above which the second round uses
:data:`LARGE_SIFT_GROWTH`. On the Aralia trees the first round leaves at most 78 507 nodes
(edfpa14b; its second round at 1.1 takes 0.7 s and gives 24 715 nodes, at 1.05 28 902) except on
cea9601 (276 401) and das9701 (451 392), where a round at 1.1 takes 5 to 8 s; 150 000 lies between
with a margin on both sides."""


def build_bdd(tree: FaultTree, top: str, order: list[str] | None = None) -> TopBdd:
    """Build the BDD of gate ``top`` of a validated ``tree``, preprocessed and factored first
    (:func:`~pumpsafe.hazards.preprocess.preprocess`,
    :func:`~pumpsafe.hazards.preprocess.factor_common_arguments`; see
    :func:`build_formula_bdd`). The first candidate order is
    :func:`~pumpsafe.hazards.ordering.tree_largest_first_order`."""
    formula = preprocess(tree, top)
    factored = factor_common_arguments(formula)
    if order is not None:
        return build_formula_bdd(factored, order)
    return build_formula_bdd(
        factored, first=lambda: tree_largest_first_order(tree, top), written=formula
    )


def build_formula_bdd(
    formula: Formula,
    order: list[str] | None = None,
    first: Callable[[], list[str]] | None = None,
    written: Formula | None = None,
) -> TopBdd:
    """Build the BDD of a preprocessed formula; the variables are all of ``formula.events``.

    ``order`` gives the variable order (top level first) and is used as given. By default,
    the rounds below are tried under live-node budgets (a CUDD memory cap, see :func:`_build`).

    ``written`` is the same function before
    :func:`~pumpsafe.hazards.preprocess.factor_common_arguments` (by default ``formula``): the
    depth-first orders of rounds 0 and 2 walk it and those rounds build it; progressive
    sifting and round 3 build ``formula``. Measured on the Aralia trees (whole analysis, s):
    the factored formula's own orders were worse (the gates factoring adds change which
    argument a walk meets first: das9207 0.4 -> 3.2, edf9203 2.6 -> 3.6); in the small budget
    of round 0 factoring costs, since the OR of the remainders lacks the common literal's
    constraint until the last AND (edfpa15o: reversed depth-first no longer fits 40 000 nodes,
    0.7 -> 3.0); in the large budgets it pays (nus9601: largest-first at 1.5 million abandoned
    after 1.7 s instead of 6.2).

    0. :func:`~pumpsafe.hazards.ordering.reversed_depth_first_order` and
       :func:`~pumpsafe.hazards.ordering.smallest_first_order` at :data:`SMALL_ENOUGH` nodes
       (the second capped at 1.5 times the first); the smaller one that fits is kept. The
       budget is small so that abandoning them costs a few hundredths of a second on trees
       where they blow up; where they fit, the others often blow up (edf9202: 8 639 nodes
       reversed against 416 675 written-order and 4.1 million largest-first; edfpa15o: 47 408
       against 150 503).
    1. Progressive sifting (:func:`_progressive`) from ``first()`` (by default
       :func:`~pumpsafe.hazards.ordering.largest_first_order`) and then from the reversed
       depth-first order of ``formula``, each within :data:`PROGRESSIVE_BUDGET` and
       :data:`PROGRESSIVE_SIFT_CAP`; the first that finishes is kept and sifted once more
       (:data:`PROGRESSIVE_FINAL_GROWTH`). cea9601: 83 350 nodes from largest-first in 2.7 s,
       where building 1.3 million nodes and sifting them took 10 s; das9701: 24 093 nodes from
       reversed depth-first in 2.5 s, where static orders took 22 s to 256 537 nodes. This
       round replaced static largest-first and depth-first orders at 200 000 nodes, which
       reached fewer trees and gave larger BDDs (BDD step, s: edf9203 1.80 -> 0.75 with
       43 587 nodes before sifting against 160 400; jbd9601 1.24 -> 0.71; edfpa14r 0.55 ->
       0.36; das9701 5.69 -> 4.65, its static largest-first abandoned after 1.1 s).
    2. Depth-first at :data:`NODE_BUDGET` / 5.
    3. On a formula with negations (a non-coherent tree) only, the first that fits in this
       sequence of static orders: depth-first at :data:`NODE_BUDGET` / 2, ``first()`` at 1.5
       times it, reversed depth-first at 3 times it (das9701 before progressive sifting:
       746 684 nodes, with 2.2 million live on the way), and depth-first at 1.5 times it. A
       coherent tree goes to the truncated bottom-up cut sets
       (:mod:`~pumpsafe.hazards.truncated`) instead, which bound the probability; every
       coherent Aralia tree that these static attempts reached (edfpa14o, edfpa14q, edf9204,
       edfpa14b) round 1 reaches, faster.
    4. When nothing fits, :class:`BddTooLarge` is raised (nus9601, which no order here
       finishes: 24 to 34 million live nodes before half of its gates are built). The
       decision depends only on the node budgets, never on time.

    A BDD of rounds 0, 2 or 3 larger than :data:`SIFT_ABOVE` is then improved by CUDD's group
    sifting limited to :data:`SIFT_SWAPS` swaps and a growth of :data:`SIFT_GROWTH` per
    variable move (:data:`LARGE_SIFT_GROWTH` in the second round on a large BDD). Every step
    is deterministic.
    """
    if order is not None:
        return _build(formula, order, None)
    walked = written or formula
    Order = Callable[[], list[str]]
    largest: Order = first or (lambda: largest_first_order(walked))
    deep: Order = lambda: depth_first_order(walked)  # noqa: E731
    # Round 0: the orders that are often small when the others blow up, in a budget small
    # enough that abandoning them is cheap (a few hundredths of a second).
    round_zero: tuple[Order, ...] = (
        lambda: reversed_depth_first_order(walked),
        lambda: smallest_first_order(walked),
    )
    best: TopBdd | None = None
    for make in round_zero:
        best = _smaller(walked, make, SMALL_ENOUGH, best)
    if best is not None:
        return _sifted(best)
    built = _first_progressive(formula, largest(), lambda: reversed_depth_first_order(formula))
    if built is not None:
        return _sifted(built, PROGRESSIVE_FINAL_GROWTH)
    best = _smaller(walked, deep, NODE_BUDGET // 5, best)
    large = 3 * NODE_BUDGET // 2
    rounds: tuple[tuple[Order, int], ...] = (
        (deep, NODE_BUDGET // 2),
        (largest, large),
        (round_zero[0], 3 * NODE_BUDGET),
        (deep, large),
    )
    if is_negation_free(formula):
        rounds = ()
    for make, budget in rounds:
        if best is not None:
            break
        try:
            best = _build(formula, make(), budget)
        except _OverBudget:
            continue
    if best is None:
        budgets = ", ".join(f"{b:,}" for _, b in rounds)
        raise BddTooLarge(f"every variable order exceeded its node budget (last: {budgets})")
    return _sifted(best)


PROGRESSIVE_BUDGET = 4 * NODE_BUDGET // 10
"""Live nodes that a progressive-sifting attempt (:func:`_progressive`) may add to what the
manager holds after its last reordering (the nodes CUDD keeps for reuse count as added:
:func:`_reusable_nodes`; without them nus9601's abandoned attempt from reversed depth-first ran
2.0 s instead of 1.0). cea9601 needs about 320 000 (its gate of 306 794 nodes before sifting)."""

PROGRESSIVE_SIFT_ABOVE = 2_000
"""A gate of the chain is sifted when its BDD has more nodes than this and than twice the
BDD the last sifting left (:func:`_progressive`)."""

PROGRESSIVE_FINAL_GROWTH = (1.01,)
"""Sifting of the top after progressive sifting: one round at growth 1.01, since its chain
gates were sifted already. Measured (CPU s of sifting plus minimal cut sets, nodes), one round
against the two of :data:`SIFT_GROWTH`: cea9601 0.61 / 66 842 against 1.40 / 60 145; edfpa14o
0.65 / 15 624 against 0.72 / 8 852; edfpa14q 0.44 against 0.51; edfpa14b 0.27 against 0.37;
edf9204 0.16 against 0.27; das9701 0.24 against 0.54. (1.01 then 1.05: cea9601 0.92 / 49 385,
edfpa14o 0.69.)"""

PROGRESSIVE_LARGE_AFTER_FIRST = 50_000
"""A chain gate sifted by :func:`_progressive` gets its second sifting round at
:data:`LARGE_SIFT_GROWTH` when the first leaves more than this many nodes (instead of
:data:`LARGE_AFTER_FIRST`). Measured (CPU s of the attempt, nodes), against 150 000: das9701
from reversed depth-first 2.5 s / 24 093 against 2.8 s / 21 680 (its gates of 83 393 and 115 435
nodes after the first round); cea9601, edf9204, edfpa14b, edfpa14o and edfpa14q unchanged (no
chain gate between 50 000 and 150 000 after the first round). At 20 000 edfpa14b's BDD from
reversed depth-first grew from 30 975 to 34 393 nodes; at 0, the attempts from largest-first
gave BDDs up to 2.4 times larger (edfpa14b 29 473 against 12 311)."""

PROGRESSIVE_SIFT_CAP = 4 * NODE_BUDGET // 10
"""A gate of the chain whose BDD has more nodes than this ends the progressive attempt:
sifting it would cost seconds (cea9601's largest is 306 794 nodes, das9701's 187 098)."""


CHILD_LIMIT_S = 600.0
"""Seconds that :func:`_first_progressive` waits for its child's answer once its own attempt
is abandoned; a child still silent then is killed and its attempt run here instead (a safety
net for a child that hangs: the answer is the same, only later)."""


def _first_progressive(
    formula: Formula, first: list[str], second: Callable[[], list[str]]
) -> TopBdd | None:
    """The BDD of :func:`_progressive` from ``first``, else from ``second()``; None when
    neither finishes.

    Where the machine has a second core, the attempt from ``second()`` runs meanwhile in a
    forked child (:mod:`pumpsafe.hazards.forked`), which hands back its BDD
    (:func:`_progressive_dump`); when the attempt from ``first`` fails, that BDD is read here.
    The child is killed as soon as the first attempt finishes. The result is the one of trying
    the two in turn: a BDD is canonical for its order, the attempt run here is copied into a
    manager declared in level order as the one read back is, and a child that crashes, or
    whose BDD cannot be read back, is replaced by the attempt run here. das9701, whose attempt
    from largest-first is abandoned after 1.0 to 1.2 s, gains that time; cea9601, whose second
    attempt is abandoned in 0.7 s, loses nothing.
    """
    second_order = second()
    child = None
    if len(forked.usable_cores()) > 1:  # on one core the child would only slow the first
        child = forked.start(lambda: _progressive_dump(formula, second_order))
    try:
        built: TopBdd | None = _progressive(formula, first)
    except _OverBudget:
        built = None
    except BaseException:
        if child is not None:
            child.cancel()
        raise
    if child is None:
        return built if built is not None else _progressive_or_none(formula, second_order)
    if built is not None:
        child.cancel()
        return built
    kind, value = child.result(CHILD_LIMIT_S)
    if kind == "ok" and value is None:
        return None
    if kind == "ok":
        try:
            return _from_dddmp(*value)
        except (OSError, RuntimeError):
            pass
    return _progressive_or_none(formula, second_order)


def _progressive_or_none(formula: Formula, order: list[str]) -> TopBdd | None:
    """:func:`_progressive` from ``order`` in a manager declared in its final level order (as
    a child's BDD is read back, :func:`_from_dddmp`), or None when it is abandoned."""
    try:
        built = _progressive(formula, order)
    except _OverBudget:
        return None
    # CUDD's sifting breaks ties by declaration index: a copy declared in level order sifts
    # as the rebuilt BDD does, so the result does not depend on where the attempt ran.
    manager = _manager(built.variables, None)
    return TopBdd(manager, cudd.copy_bdd(built.root, manager), list(built.variables))


def _progressive_dump(formula: Formula, order: list[str]) -> tuple[list[str], bytes] | None:
    """:func:`_progressive` from ``order`` as its variables (top level first) and its BDD in
    CUDD's DDDMP text format (reading it back costs 0.01 s where rebuilding in the same order
    costs 0.4 s on das9701), or None when it is abandoned."""
    try:
        built = _progressive(formula, order)
    except _OverBudget:
        return None
    with tempfile.TemporaryDirectory(prefix="pumpsafe-bdd-") as scratch:
        path = os.path.join(scratch, "top.dddmp")
        built.manager.dump(path, [built.root])
        return built.variables, Path(path).read_bytes()


def _from_dddmp(variables: list[str], text: bytes) -> TopBdd:
    """The BDD of :func:`_progressive_dump`'s text, in a manager declared in the order
    ``variables``."""
    manager = _manager(variables, None)
    with tempfile.TemporaryDirectory(prefix="pumpsafe-bdd-") as scratch:
        path = os.path.join(scratch, "top.dddmp")
        Path(path).write_bytes(text)
        [root] = manager.load(path)
    return TopBdd(manager, root, list(variables))


def _progressive(formula: Formula, order: list[str]) -> TopBdd:
    """The BDD of ``formula`` by progressive sifting from ``order``; :class:`_OverBudget` when
    the live nodes grow past :data:`PROGRESSIVE_BUDGET` more than the last reordering left, or
    a gate to sift passes :data:`PROGRESSIVE_SIFT_CAP`.

    The chain is the path from the root down through each gate's argument gate with the most
    events below it. Gates are built chain first (each chain gate's arguments before the rest
    of the formula). When a chain gate's BDD grows past :data:`PROGRESSIVE_SIFT_ABOVE` and twice
    the last sifted size, it is moved alone to a fresh manager and sifted there, its events
    take that order among the levels they held (:func:`_resifted_order`; every other event
    keeps its level), the build's manager is shuffled to the new order (``Cudd_ShuffleHeap``),
    the sifted gate is copied back, and the build goes on. Each chain gate is sifted at most
    once. Sifting a whole large BDD improves the order for every gate at once and costs seconds
    (cea9601: 8.5 s from 1.3 million nodes); sifting the build's manager optimises every live
    function, most of them dropped later (das9701: sifted chain gates two to four times
    larger); sifting one gate below the top, alone, then the next gate in its order, keeps each
    BDD sifted small. Shuffling the other live functions costs less than building them again
    in the new order (das9701: 2.8 s instead of 4.2 s, where each sifting restarted the build);
    the gate itself is most of the live nodes, and copying it back sifted costs less than
    shuffling it (cea9601: 0.04 s of shuffles instead of 0.23 s).
    """
    chain = _largest_child_chain(formula)
    gates = postorder_gates(formula.gates, formula.root, dict(pairwise(chain)))
    inner = set(chain[1:])
    last = 0
    order = list(order)

    def after(node: int, done: dict[int, Any]) -> None:
        nonlocal last
        if node not in inner:
            return
        inner.discard(node)
        size = len(done[node])
        if size <= max(PROGRESSIVE_SIFT_ABOVE, 2 * last):
            return
        if size > PROGRESSIVE_SIFT_CAP:
            raise _OverBudget(PROGRESSIVE_SIFT_CAP)
        building = done[node].bdd
        alone = TopBdd(_manager(order, None), None, list(order))
        alone.root = cudd.copy_bdd(done.pop(node), alone.manager)
        support = alone.manager.support(alone.root)
        _sift(alone, large=PROGRESSIVE_LARGE_AFTER_FIRST)
        last = len(alone.root)
        order[:] = _resifted_order(order, alone.variables, support)
        building.configure(max_memory=_UNLIMITED)
        cudd.reorder(building, {v: level for level, v in enumerate(order)})
        done[node] = cudd.copy_bdd(alone.root, building)
        _cap(building, PROGRESSIVE_BUDGET - _reusable_nodes(building))

    built = _build(formula, order, PROGRESSIVE_BUDGET, gates, after)
    built.variables.sort(key=built.manager.level_of_var)
    return built


def _resifted_order(order: list[str], sifted: list[str], support: set[str]) -> list[str]:
    """``order`` with the events of ``support`` in their order in ``sifted``, on the levels
    they held in ``order``; every other event keeps its level."""
    moved = iter([v for v in sifted if v in support])
    return [next(moved) if v in support else v for v in order]


def _largest_child_chain(formula: Formula) -> list[int]:
    """Root first, then at each gate its argument gate with the most events below it."""
    below = events_below(formula)
    chain = [formula.root >> 1]
    while formula.is_gate(chain[-1]):
        kids = [a >> 1 for a in formula.gates[chain[-1]].args if formula.is_gate(a >> 1)]
        if not kids:
            break
        chain.append(max(kids, key=below.__getitem__))
    return chain


def _smaller(formula: Formula, make: Callable[[], list[str]], budget: int,
             best: TopBdd | None) -> TopBdd | None:
    """The BDD built in ``make()``'s order if it fits in ``budget`` (capped at 1.5 times
    ``best``) and is smaller than ``best``; else ``best``."""
    if best is not None:
        budget = min(budget, 3 * len(best.root) // 2)
    try:
        built = _build(formula, make(), budget)
    except _OverBudget:
        return best
    return built if best is None or len(built.root) < len(best.root) else best


def _sifted(built: TopBdd, growths: Sequence[float] | None = None) -> TopBdd:
    """``built``, sifted (in place, :func:`_sift`) when it has more than :data:`SIFT_ABOVE`
    nodes."""
    if len(built.root) > SIFT_ABOVE:
        _sift(built, growths)
    return built


def _sift(
    built: TopBdd, growths: Sequence[float] | None = None, large: int | None = None
) -> None:
    """Limited group sifting, one round per growth factor of ``growths`` (by default
    :data:`SIFT_GROWTH`; after the first,
    :data:`LARGE_SIFT_GROWTH` when more than ``large`` nodes are left, by default
    :data:`LARGE_AFTER_FIRST`), then the variable list re-read in the new level order."""
    manager = built.manager
    large = LARGE_AFTER_FIRST if large is None else large
    for round_, growth in enumerate(SIFT_GROWTH if growths is None else growths):
        if round_ > 0 and len(built.root) > large:
            growth = LARGE_SIFT_GROWTH
        manager.configure(max_swaps=SIFT_SWAPS, max_growth=growth)
        cudd.reorder(manager)
    built.variables.sort(key=manager.level_of_var)


def _build(
    formula: Formula,
    variables: list[str],
    budget: int | None,
    gates: Sequence[int] | None = None,
    after: Callable[[int, dict[int, Any]], None] | None = None,
) -> TopBdd:
    """Gate BDDs children-first without recursion, each released after its last use.
    ``gates`` is the order to build them in (by default ``formula.gates``' own), and
    ``after(node, done)`` is called once each gate's BDD is in ``done`` (the live BDDs by node;
    it may replace that BDD, or raise to stop the build).

    With a ``budget`` (live nodes), CUDD's memory is capped at what the manager holds plus
    :data:`BYTES_PER_NODE` per node of the budget: CUDD then abandons the operation that would
    pass it (even a single AND that blows up, which a check between operations cannot stop)
    and :class:`_OverBudget` is raised. The cap depends only on the formula and the order, so
    whether an order is abandoned is deterministic. (Sifting the live BDDs at the cap and going
    on, a budget-triggered dynamic reordering, did not finish nus9601 in 5 minutes either.)
    """
    manager = _manager(variables, budget)
    done: dict[int, Any] = {0: manager.true}
    for i, name in enumerate(formula.events):
        done[i + 1] = manager.var(name)
    waiting = parent_counts(formula)
    for node in formula.gates if gates is None else gates:  # children first
        gate = formula.gates[node]
        args = [~done[a >> 1] if a & 1 else done[a >> 1] for a in gate.args]
        try:
            done[node] = _combine(manager, gate, args)
        except RuntimeError as error:  # CUDD's NULL result: the memory cap was reached
            if budget is None:
                raise
            raise _OverBudget(budget) from error
        if after is not None:
            after(node, done)
        for a in gate.args:
            if a >> 1 in waiting:
                waiting[a >> 1] -= 1
                if waiting[a >> 1] == 0:
                    del done[a >> 1]
    manager.configure(max_memory=_UNLIMITED)
    root = done[formula.root >> 1]
    return TopBdd(manager, ~root if formula.root & 1 else root, list(variables))


def family_bdd(zdd: Zdd, root: int, variables: Sequence[str], budget: int) -> TopBdd:
    """The BDD of the union of the sets of a ZDD family (each set an AND of its events), in the
    ZDD's variable order (``variables[v]`` is ZDD variable ``v``). A node ``(v, lo, hi)`` is
    ``lo ∨ (v ∧ hi)``, i.e. ``ite(v, lo ∨ hi, lo)``. Raises :class:`BddTooLarge` past ``budget``
    live nodes (a CUDD memory cap, as in :func:`_build`)."""
    manager = _manager(variables, budget)
    done: dict[int, Any] = {EMPTY: manager.false, BASE: manager.true}
    try:
        for n in zdd.reachable(root):  # children first
            low, high = done[zdd.lo[n]], done[zdd.hi[n]]
            either = manager.apply("or", low, high)
            done[n] = manager.apply("ite", manager.var(variables[zdd.var[n]]), either, low)
    except RuntimeError as error:  # CUDD's NULL result: the memory cap was reached
        raise BddTooLarge(f"the BDD of the kept cut sets exceeds {budget:,} nodes") from error
    manager.configure(max_memory=_UNLIMITED)
    return TopBdd(manager, done[root], list(variables))


def _manager(variables: Sequence[str], budget: int | None) -> Any:
    """A CUDD manager with ``variables`` declared in that order, no dynamic reordering, and its
    memory capped for ``budget`` more nodes (:func:`_cap`)."""
    manager = cudd.BDD()
    manager.configure(reordering=False)
    manager.declare(*variables)
    _cap(manager, budget)
    return manager


def _cap(manager: Any, budget: int | None) -> None:
    if budget is not None:
        more = BYTES_PER_NODE * max(0, budget)
        manager.configure(max_memory=_memory_in_use(manager) + more)


def _reusable_nodes(manager: Any) -> int:
    """Nodes that ``manager`` can make without allocating memory: its free and dead nodes (its
    peak count less the live ones; CUDD keeps the memory of the nodes it frees)."""
    statistics = _statistics(manager)
    return int(statistics["peak_nodes"] - statistics["n_nodes"])


_UNLIMITED = 2**64 - 1
"""CUDD's default ``max_memory`` (no cap)."""


def _memory_in_use(manager: Any) -> int:
    return int(_statistics(manager)["mem"])


def _statistics(manager: Any) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dd warns that the 'mem' entry changed units
        return dict(manager.statistics())
