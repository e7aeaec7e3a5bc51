"""Fault-tree analysis: one call from a tree to every figure (library API behind ``pumpsafe fta``).

Steps, each timed: BDD of the top event (CUDD, depth-first variable order), exact probability
from the BDD, minimal cut sets as a ZDD (minimal solutions; prime implicants as well on a
non-coherent tree), truncation, approximations from the cut sets, importance from the BDD.

When the BDD exceeds every node budget (:class:`~pumpsafe.hazards.bdd.BddTooLarge`) on a
coherent tree, the minimal cut sets are computed bottom-up with truncation at every gate
(:mod:`~pumpsafe.hazards.truncated`) and the probability is reported as rigorous bounds
(``probability_method`` ``"bdd-truncated"`` or ``"zbdd-bounds"``, never ``"bdd-exact"``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx
from pumpsafe.hazards.bdd import (
    NODE_BUDGET,
    BddTooLarge,
    build_bdd,
    build_formula_bdd,
    family_bdd,
)
from pumpsafe.hazards.cutsets import (
    count,
    list_sets,
    max_product,
    min_cut_upper_bound,
    order_distribution,
    truncate_order,
    truncate_probability,
    weighted_sum,
)
from pumpsafe.hazards.flat import FlatBdd, flatten, top_probability
from pumpsafe.hazards.gate_bounds import gate_bounds
from pumpsafe.hazards.importance import Importance, importance_by_event
from pumpsafe.hazards.minsol import BudgetExceeded, minimal_solutions, prime_implicants
from pumpsafe.hazards.ordering import tree_largest_first_order
from pumpsafe.hazards.preprocess import (
    Formula,
    factor_common_arguments,
    is_negation_free,
    preprocess,
)
from pumpsafe.hazards.tree import (
    DEFAULT_MISSION_TIME_H,
    FaultTree,
    event_probability,
    is_coherent,
    top_gates,
)
from pumpsafe.hazards.truncated import TruncatedCutSets, truncated_cut_sets
from pumpsafe.hazards.zdd import Zdd
from pumpsafe.model.errors import InputError


@dataclass(frozen=True)
class FtaOptions:
    """What to compute. ``max_order``/``cutoff`` truncate the cut-set family (never the exact
    probability; in the truncated fallback they are its truncation, ``cutoff`` defaulting to
    :data:`DEFAULT_RELATIVE_CUTOFF` times the largest cut-set probability); ``list_limit`` caps
    the listed sets; ``prime_budget`` caps the work spent on prime implicants (sub-functions);
    ``force_truncated`` takes the truncated fallback without trying the BDD (tests,
    comparisons)."""

    top: str | None = None
    mission_time_h: float = DEFAULT_MISSION_TIME_H
    max_order: int | None = None
    cutoff: float | None = None
    list_sets: bool = False
    list_limit: int | None = 100_000
    importance: bool = False
    prime_budget: int = 50_000
    force_truncated: bool = False


DEFAULT_RELATIVE_CUTOFF = 1e-2
"""Default cut-off of the truncated fallback, relative to the largest minimal cut set
probability (found adaptively, :func:`_default_truncation`). nus9601 (every event 0.01, largest
set 1e-6): the cut-off 1e-8 keeps its 10 minimal cut sets of order 3 in 0.5 s; 1e-9 and 1e-10
keep 12 (two of order 4) in 3.8 and 11.7 s and give the same upper bound (docs/fta.md)."""

DEFAULT_CUTOFF_PASSES = 4
"""Most passes of the adaptive default cut-off."""

KEPT_SETS_BDD_BUDGET = NODE_BUDGET
"""Live-node budget of the BDD of the kept cut sets in the truncated fallback."""


@dataclass(frozen=True)
class Truncation:
    """What truncation dropped: ``dropped`` sets whose probabilities sum to ``error_bound``.

    On a coherent tree the union of the kept sets is at most ``error_bound`` below the union of
    all minimal cut sets (Boole's inequality). In the truncated fallback ``dropped`` is ``None``
    (sets are dropped at every gate and not counted) and ``error_bound`` is the rigorous
    ``upper - lower`` of the probability bounds."""

    max_order: int | None
    cutoff: float | None
    dropped: int | None
    error_bound: float


@dataclass(frozen=True)
class CutSetFamily:
    """A family of cut sets: its kind, exact count, count by order and (on request) the list."""

    kind: str
    count: int
    order_distribution: dict[int, int]
    sets: list[list[str]] | None = None
    sets_truncated: bool = False


@dataclass(frozen=True)
class FtaResult:
    """Every figure of one analysis; ``cut_sets`` are prime implicants on a non-coherent tree
    (or minimal cut sets when the prime-implicant budget ran out: ``prime_implicants_note``
    says so), ``positive_cut_sets`` the minimal cut sets over positive literals."""

    top_event: str
    coherent: bool
    probability: float
    rare_event: float
    mcub: float
    cut_sets: CutSetFamily
    positive_cut_sets: CutSetFamily
    truncation: Truncation | None
    importance: dict[str, Importance] | None
    bdd_nodes: int
    zdd_nodes: int
    variables: int
    time_s: dict[str, float] = field(default_factory=dict)
    prime_implicants_note: str = ""
    probability_method: str = "bdd-exact"
    probability_bounds: tuple[float, float] | None = None
    """``(lower, upper)`` in the truncated fallback, where ``probability`` is the lower bound."""


def choose_top(tree: FaultTree, top: str | None, source: str) -> str:
    """``top`` if it is a gate of ``tree``, else the single gate no other gate uses."""
    if top is not None:
        if top not in tree or tree.nodes[top].get("kind") != "gate":
            gates = top_gates(tree)
            raise InputError(source, f"--top {top}", "no such gate", f"top gates: {gates}")
        return top
    candidates = top_gates(tree)
    if len(candidates) != 1:
        raise InputError(
            source,
            "top event",
            f"{len(candidates)} candidate top gates: {', '.join(candidates) or 'none'}",
            "choose one with --top GATE",
        )
    return candidates[0]


class _Clock:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.times[phase] = round(now - self._last, 6)
        self._last = now


def _family(
    zdd: Zdd,
    root: int,
    kind: str,
    name_of: Callable[[int], str],
    size_of: Callable[[int], int],
    options: FtaOptions,
) -> CutSetFamily:
    sets, cut = (None, False)
    if options.list_sets:
        sets, cut = list_sets(zdd, root, name_of, size_of, options.list_limit)
    distribution = order_distribution(zdd, root, size_of)
    return CutSetFamily(kind, count(zdd, root), distribution, sets, cut)


def _truncate(
    zdd: Zdd, root: int, weight: list[float], size_of: Callable[[int], int], options: FtaOptions
) -> tuple[int, Truncation | None]:
    if options.max_order is None and options.cutoff is None:
        return root, None
    kept = root
    if options.max_order is not None:
        kept = truncate_order(zdd, kept, options.max_order, size_of)
    if options.cutoff is not None:
        kept = truncate_probability(zdd, kept, weight, options.cutoff)
    dropped = zdd.difference(root, kept)
    bound = weighted_sum(zdd, dropped, weight)
    return kept, Truncation(options.max_order, options.cutoff, count(zdd, dropped), bound)


def analyze(tree: FaultTree, options: FtaOptions, source: str = "<tree>") -> FtaResult:
    """Analyse the validated ``tree`` as ``options`` ask (see :class:`FtaResult`)."""
    clock = _Clock()
    top = choose_top(tree, options.top, source)
    written = preprocess(tree, top)
    formula = factor_common_arguments(written)
    try:
        if options.force_truncated:
            raise BddTooLarge("truncated fallback forced")
        built = build_formula_bdd(
            formula, first=lambda: tree_largest_first_order(tree, top), written=written
        )
    except BddTooLarge as too_large:
        if not is_negation_free(formula):
            raise InputError(
                source,
                f"top event {top}",
                f"the BDD cannot be built: {too_large}",
                "the truncated fallback needs a coherent tree (no NOT, NAND, NOR, XOR); "
                "analyse a smaller gate with --top",
            ) from too_large
        clock.lap("bdd_attempts")
        return _bounded(tree, top, formula, options, clock)
    flat = flatten(built.manager, built.root, built.variables)
    clock.lap("bdd")
    p = [event_probability(tree.nodes[v]["model"], options.mission_time_h) for v in flat.variables]
    probability = top_probability(flat, p)
    clock.lap("probability")
    names = flat.variables
    zdd = Zdd(len(names))
    coherent = is_coherent(tree, top)
    positive_root = minimal_solutions(flat, zdd, monotone=coherent)
    kept, truncation = _truncate(zdd, positive_root, p, lambda _v: 1, options)
    positive = _family(zdd, kept, "minimal-cut-sets", names.__getitem__, lambda _v: 1, options)
    clock.lap("minimal_cut_sets")
    rare_event = weighted_sum(zdd, kept, p)
    mcub = min_cut_upper_bound(zdd, kept, p)
    clock.lap("approximations")
    cut_sets, note = positive, ""
    if not coherent:
        primes, note = _primes(built.manager, built.root, names, p, options, flat.size - 1)
        cut_sets = primes if primes is not None else positive
        clock.lap("prime_implicants")
    importance = None
    if options.importance:
        events = {
            e: event_probability(tree.nodes[e]["model"], options.mission_time_h)
            for e in nx.descendants(tree, top)
            if tree.nodes[e]["kind"] == "basic"
        }
        importance = importance_by_event(flat, p, probability, events)
        clock.lap("importance")
    return FtaResult(
        top_event=top,
        coherent=coherent,
        probability=probability,
        rare_event=rare_event,
        mcub=mcub,
        cut_sets=cut_sets,
        positive_cut_sets=positive,
        truncation=truncation,
        importance=importance,
        bdd_nodes=flat.size,
        zdd_nodes=len(zdd.var),
        variables=len(names),
        time_s=clock.times,
        prime_implicants_note=note,
    )


def _bounded(
    tree: FaultTree, top: str, formula: Formula, options: FtaOptions, clock: _Clock
) -> FtaResult:
    """The truncated fallback (coherent tree): minimal cut sets of probability >= cut-off, bottom-up
    (:func:`~pumpsafe.hazards.truncated.truncated_cut_sets`), the exact probability ``lower`` of
    their union from its BDD (a lower bound of the top probability) and an upper bound."""
    p = [event_probability(tree.nodes[e]["model"], options.mission_time_h) for e in formula.events]
    if options.cutoff is None:
        found = _default_truncation(formula, p, options.max_order)
    else:
        found = truncated_cut_sets(formula, p, options.cutoff, options.max_order)
    cutoff = found.cutoff
    zdd, kept, names, weight = found.zdd, found.root, found.variables, list(found.weight)
    positive = _family(zdd, kept, "minimal-cut-sets", names.__getitem__, lambda _v: 1, options)
    clock.lap("minimal_cut_sets")
    flat, method, level_p = None, "bdd-truncated", []
    try:
        built = family_bdd(zdd, kept, names, KEPT_SETS_BDD_BUDGET)
        flat = flatten(built.manager, built.root, built.variables)
        by_name = dict(zip(names, weight, strict=True))
        level_p = [by_name[v] for v in flat.variables]
        lower = top_probability(flat, level_p)
    except BddTooLarge:
        method = "zbdd-bounds"
        lower = max_product(zdd, kept, weight)  # the kept union's exact value is not known
    clock.lap("probability")
    rare_event = weighted_sum(zdd, kept, weight)
    mcub = min_cut_upper_bound(zdd, kept, weight)
    # P(union of kept sets) is `lower` when exact, else at most the MCUB (coherent tree).
    kept_union_upper = lower if flat is not None else mcub
    upper = min(1.0, kept_union_upper + found.error_bound, found.upper_bound)
    upper = max(upper, lower)
    clock.lap("approximations")
    importance = None
    if options.importance and flat is not None:
        events = {e: p[i] for i, e in enumerate(formula.events)}
        importance = importance_by_event(flat, level_p, lower, events)
        clock.lap("importance")
    truncation = Truncation(options.max_order, cutoff, None, upper - lower)
    return FtaResult(
        top_event=top,
        coherent=is_coherent(tree, top),  # the formula is negation-free; the tree may have NOTs
        probability=lower,
        rare_event=rare_event,
        mcub=mcub,
        cut_sets=positive,
        positive_cut_sets=positive,
        truncation=truncation,
        importance=importance,
        bdd_nodes=flat.size if flat is not None else 0,
        zdd_nodes=len(zdd.var),
        variables=len(names),
        time_s=clock.times,
        probability_method=method,
        probability_bounds=(lower, upper),
    )


def _default_truncation(
    formula: Formula, p: list[float], max_order: int | None
) -> TruncatedCutSets:
    """Truncated cut sets at :data:`DEFAULT_RELATIVE_CUTOFF` times the largest minimal cut set
    probability ``m``. The first pass uses the structural bound of ``m``
    (:mod:`~pumpsafe.hazards.gate_bounds`); when it keeps a set, the largest kept set is ``m``
    itself (every set of probability above the cut-off is kept), and one more pass at the
    wanted cut-off follows if the first was higher; when it keeps nothing, the cut-off is
    lowered by the same factor. At most :data:`DEFAULT_CUTOFF_PASSES` passes (deterministic)."""
    cutoff = DEFAULT_RELATIVE_CUTOFF * gate_bounds(formula, p).best.get(formula.root >> 1, 1.0)
    found = truncated_cut_sets(formula, p, cutoff, max_order)
    for _ in range(DEFAULT_CUTOFF_PASSES - 1):
        largest = max_product(found.zdd, found.root, found.weight)
        wanted = DEFAULT_RELATIVE_CUTOFF * (largest if largest > 0.0 else cutoff)
        if wanted >= cutoff or wanted <= 0.0:
            break
        cutoff = wanted
        found = truncated_cut_sets(formula, p, cutoff, max_order)
    return found


def _primes(
    manager: object,
    root: object,
    names: tuple[str, ...],
    p: list[float],
    options: FtaOptions,
    bdd_nodes: int,
) -> tuple[CutSetFamily | None, str]:
    """Prime implicants within ``options.prime_budget`` sub-functions. Every internal node of
    the BDD is one of them, so a BDD of more internal nodes than the budget is not tried
    (cea9601: about 70 000 nodes, 4 s saved)."""
    if bdd_nodes > options.prime_budget:
        exceeded = f"more than {options.prime_budget} sub-functions: the BDD has {bdd_nodes}"
        return None, f"prime implicants not computed ({exceeded}); listing minimal cut sets"
    zdd = Zdd(2 * len(names))
    try:
        primes = prime_implicants(manager, root, zdd, options.prime_budget)
    except BudgetExceeded as exceeded:
        return None, f"prime implicants not computed ({exceeded}); listing minimal cut sets"
    weight = [x for pv in p for x in (pv, 1.0 - pv)]
    kept, _ = _truncate(zdd, primes, weight, lambda v: 1, options)

    def literal(v: int) -> str:
        return f"NOT {names[v // 2]}" if v % 2 else names[v // 2]

    return _family(zdd, kept, "prime-implicants", literal, lambda _v: 1, options), ""


def flat_of(tree: FaultTree, top: str) -> FlatBdd:
    """The flat BDD of gate ``top`` (for tests and tools that need the diagram itself)."""
    built = build_bdd(tree, top)
    return flatten(built.manager, built.root, built.variables)
