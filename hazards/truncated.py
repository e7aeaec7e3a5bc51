"""Truncated minimal cut sets of a coherent formula, computed bottom-up as ZDDs, gate by gate
(the fallback when the top event's BDD exceeds every node budget; XFTA's method).

OR is a union, AND a product, ATLEAST k a dynamic programme over its arguments (``row_j`` = at
least ``j`` of the arguments seen so far: ``row_j ∪ a·row_{j-1}``); every result is minimised
(Rauzy's 'without'). Each gate keeps only the sets ``s`` with ``P(s) >= cutoff / M`` (and at most
``max_order`` events), ``M`` being the gate's multiplier (:mod:`pumpsafe.hazards.gate_bounds`);
products apply the threshold inside the recursion, so a product never builds the sets it drops.
The top's multiplier is 1, so the kept top family is **exactly the minimal cut sets of
probability >= cutoff** (and order <= max_order): a top minimal cut set ``C`` of probability
``>= cutoff`` contains, at every gate of its derivation, a minimal set ``s`` of that gate with
``P(s) >= P(C) / M >= cutoff / M``, so it is never dropped; conversely every kept top set is a
cut set of probability ``>= cutoff``, minimal among the kept ones, and a true minimal cut set
below it would have been kept too.

Error bound (coherent tree, independent events). Let ``F_g`` be a gate's true function, ``T_g``
the union of its kept sets (``T_g <= F_g``) and ``X_g = F_g ∧ ¬T_g``. Bottom-up, each gate gets
``error_g >= P(X_g)`` and ``upper_g >= P(F_g)`` (:class:`Bounded`):

* OR: ``X <= ∨ X_c ∨ (sets dropped by the gate's filter)``;
* AND of ``a`` and ``b`` (several arguments: one at a time; ATLEAST: the same steps in its
  dynamic programme): ``X <= (X_a ∧ F_b) ∨ (T_a ∧ X_b) ∨ (sets the product dropped)``;
  ``P(X_a ∧ F_b) <= error_a · upper_b`` when ``a`` and ``b`` share no event (independent), else
  ``min(error_a, upper_b)``;
* the sets a product drops are bounded by their total mass: a dropped sub-product ``p·q`` whose
  operands share no event has mass ``Σp · Σq`` (times the probability of the variables above
  it), operands that share events are split further until they do not; every piece also lies
  below ``F_a ∧ F_b``, so the mass is capped at ``upper``;
* ``upper`` is the union bound (OR), the product (independent AND) or the smaller factor, and
  ``Σ_{kept} P(s) + error``; also the structural bound of :mod:`~pumpsafe.hazards.gate_bounds`.

Then ``P(T_top) <= P(F_top) <= P(T_top) + error_top`` and ``P(F_top) <= upper_top``.

A second bound of the same difference, and the smaller is reported: where ``F_top`` holds and
``T_top`` does not, follow from the top a child whose ``F`` holds and ``T`` does not (one exists,
the gates being monotone) down to a gate whose children's ``T`` hold as their ``F`` do; a set
dropped at that gate holds there, with the other arguments needed by every AND (ATLEAST) on the
path. So ``P(F_top) - P(T_top) <= Σ_g dropped_g · K_g``, ``dropped_g`` the mass dropped at the
gate itself and ``K_g`` the probability bound of those path conditions
(:func:`~pumpsafe.hazards.gate_bounds.contexts`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pumpsafe.hazards.cutsets import truncate_order, truncate_probability, weighted_sum
from pumpsafe.hazards.gate_bounds import contexts, gate_bounds
from pumpsafe.hazards.ordering import depth_first_order
from pumpsafe.hazards.preprocess import FALSE, Formula, is_negation_free
from pumpsafe.hazards.zdd import BASE, EMPTY, Step, Zdd, combine2, solve

NO_ORDER_LIMIT = 1 << 30


@dataclass(frozen=True)
class TruncatedCutSets:
    """The minimal cut sets of probability ``>= cutoff`` (order ``<= max_order``) as a ZDD, and a
    bound of ``P(top) - P(union of the kept sets)``.

    ``variables[v]`` is the event of ZDD variable ``v``; ``weight[v]`` its probability."""

    zdd: Zdd
    root: int
    variables: tuple[str, ...]
    weight: tuple[float, ...]
    cutoff: float
    max_order: int | None
    error_bound: float
    upper_bound: float
    """An upper bound of P(top) from the gates' bounds alone (union bound, products of
    independent arguments, kept sets plus errors), often tighter than the kept sets' probability
    plus ``error_bound``."""


def truncated_cut_sets(
    formula: Formula, probability: Sequence[float], cutoff: float, max_order: int | None = None
) -> TruncatedCutSets:
    """Truncated minimal cut sets of the negation-free ``formula`` (module docstring);
    ``probability[i]`` is the probability of ``formula.events[i]``."""
    if not is_negation_free(formula):
        raise ValueError("truncated cut sets need a formula without negated literals")
    order = depth_first_order(formula)
    unused = [e for e in formula.events if e not in set(order)]
    names = tuple(order + unused)
    position = {name: v for v, name in enumerate(names)}
    weight = [0.0] * len(names)
    for i, name in enumerate(formula.events):
        weight[position[name]] = probability[i]
    bounds = gate_bounds(formula, probability)
    families = _Families(Zdd(len(names)), weight)
    k = NO_ORDER_LIMIT if max_order is None else max_order
    value: dict[int, Bounded] = {0: Bounded(BASE, 0.0, 1.0, 0)}
    for i, name in enumerate(formula.events):
        single = families.zdd.node(position[name], EMPTY, BASE)
        value[i + 1] = Bounded(single, 0.0, probability[i], bounds.support[i + 1])
    dropped_here: dict[int, float] = {}
    for node, gate in formula.gates.items():  # children first
        m = bounds.multiplier.get(node, 0.0)
        threshold = cutoff / m if m > 0.0 else (math.inf if cutoff > 0.0 else 0.0)
        args = [value[a >> 1] for a in gate.args]
        families.dropped = 0.0
        made = families.gate(gate.op, gate.k, args, threshold, k)
        value[node] = made.capped(bounds.upper[node])
        dropped_here[node] = min(families.dropped, value[node].upper)
    top = value[formula.root >> 1]
    error = top.error
    if formula.root == FALSE:
        top = Bounded(EMPTY, 0.0, 0.0, 0)
        error = 0.0
    elif not formula.is_gate(formula.root >> 1):  # a single event (or TRUE) as top
        top = families.or_of([top], cutoff, k)
        error = top.error
    else:  # the same dropped sets weighed by the probability of the paths above them
        context = contexts(formula, probability, bounds)
        by_path = sum(mass * context.get(g, 0.0) for g, mass in dropped_here.items())
        error = min(error, by_path)
    return TruncatedCutSets(
        families.zdd, top.family, names, tuple(weight), cutoff, max_order, error, top.upper
    )


@dataclass(frozen=True)
class Bounded:
    """A gate's kept family with ``error`` >= P(F ∧ ¬T) and ``upper`` >= P(F), where ``F`` is
    the gate's true function and ``T`` the union of its kept sets; ``support``: its events (a
    bit mask over formula event nodes)."""

    family: int
    error: float
    upper: float
    support: int

    def capped(self, upper: float) -> Bounded:
        """The same with ``upper`` (and ``error <= upper``) lowered to a known bound."""
        bound = min(self.upper, upper)
        return Bounded(self.family, min(self.error, bound), bound, self.support)


class _Families:
    """ZDD operations with probability/order thresholds, and per-node folds kept in arrays
    (nodes are numbered children first, so new nodes are folded in creation order)."""

    def __init__(self, zdd: Zdd, weight: list[float]) -> None:
        self.zdd = zdd
        self.weight = weight
        self.best = [0.0, 1.0]  # largest P(set)
        self.total = [0.0, 1.0]  # Σ P(set)
        self.fewest = [NO_ORDER_LIMIT, 0]  # smallest order
        self.support = [0, 0]  # variables as a bit mask
        self._minimal: dict[tuple[int, int], int] = {(EMPTY, 0): EMPTY, (BASE, 0): BASE}
        self.dropped = 0.0  # mass of the sets dropped since last reset (by the caller)
        self._product: dict[tuple[int, int, float, int], tuple[int, float]] = {}

    def _sync(self) -> None:
        z, w = self.zdd, self.weight
        for n in range(len(self.best), len(z.var)):
            v, lo, hi = z.var[n], z.lo[n], z.hi[n]
            self.best.append(max(self.best[lo], w[v] * self.best[hi]))
            self.total.append(self.total[lo] + w[v] * self.total[hi])
            self.fewest.append(min(self.fewest[lo], self.fewest[hi] + 1))
            self.support.append(self.support[lo] | self.support[hi] | (1 << v))

    def rare(self, family: int) -> float:
        """Σ P(set) over ``family`` (an upper bound of the probability of its union)."""
        self._sync()
        return self.total[family]

    def gate(
        self, op: str, k: int, args: list[Bounded], threshold: float, max_order: int
    ) -> Bounded:
        """``op`` over the arguments, truncated at ``threshold`` and ``max_order``."""
        if op == "or":
            return self.or_of(args, threshold, max_order)
        if op == "and":
            result = args[0]
            for arg in args[1:]:
                result = self.and_of(result, arg, threshold, max_order)
            return self.or_of([result], threshold, max_order) if len(args) == 1 else result
        empty = Bounded(EMPTY, 0.0, 0.0, 0)
        row = [Bounded(BASE, 0.0, 1.0, 0)] + [empty] * k  # row[j]: at least j of those seen
        for a in reversed(args):
            new = [row[0]]
            for j in range(1, k + 1):
                both = self.and_of(a, row[j - 1], threshold, max_order)
                new.append(self._union(row[j], both))
            row = new
        return row[k]

    def or_of(self, args: list[Bounded], threshold: float, max_order: int) -> Bounded:
        """The union of the arguments, minimised, then truncated (the mass dropped there is
        counted in the error)."""
        z = self.zdd
        union = EMPTY
        for a in args:
            union = z.union(union, a.family)
        union = self.minimal(union)
        kept = self.keep(union, threshold, max_order)
        dropped = 0.0 if kept == union else self.rare(z.difference(union, kept))
        self.dropped += dropped
        upper = min(1.0, sum(a.upper for a in args))
        error = min(upper, sum(a.error for a in args) + dropped)
        support = 0
        for a in args:
            support |= a.support
        return Bounded(kept, error, min(upper, self.rare(kept) + error), support)

    def _union(self, a: Bounded, b: Bounded) -> Bounded:
        """Union of two already truncated families (nothing dropped)."""
        family = self.minimal(self.zdd.union(a.family, b.family))
        upper = min(1.0, a.upper + b.upper)
        error = min(upper, a.error + b.error)
        return Bounded(family, error, min(upper, self.rare(family) + error), a.support | b.support)

    def and_of(self, a: Bounded, b: Bounded, threshold: float, max_order: int) -> Bounded:
        """The product of two families, truncated inside the product. With ``X = F ∧ ¬T``:
        ``F_a ∧ F_b ∧ ¬T <= (X_a ∧ F_b) ∨ (T_a ∧ X_b) ∨ dropped``, each term bounded by a product
        when ``a`` and ``b`` share no event, else by the smaller factor."""
        product, mass = self.product(a.family, b.family, threshold, max_order)
        self.dropped += mass
        kept = self.minimal(product)
        independent = not a.support & b.support
        kept_a = min(a.upper, self.rare(a.family))
        if independent:
            upper = a.upper * b.upper
            carried = a.error * b.upper + kept_a * b.error
        else:
            upper = min(a.upper, b.upper)
            carried = min(a.error, b.upper) + min(b.error, kept_a)
        error = min(upper, min(mass, upper) + carried)
        return Bounded(kept, error, min(upper, self.rare(kept) + error), a.support | b.support)

    def keep(self, family: int, threshold: float, max_order: int) -> int:
        """The sets of ``family`` with ``P >= threshold`` and at most ``max_order`` events."""
        z = self.zdd
        if max_order < NO_ORDER_LIMIT:
            family = truncate_order(z, family, max_order, lambda _v: 1)
        if threshold > 0.0:
            family = truncate_probability(z, family, self.weight, threshold)
        return family

    def minimal(self, family: int) -> int:
        """The minimal sets of ``family`` (Rauzy's 'without'; memoised by node across calls)."""
        z = self.zdd

        def step(key: tuple[int, int], memo: dict[tuple[int, int], int]) -> Step:
            n = key[0]
            return combine2(memo, (z.lo[n], 0), (z.hi[n], 0),
                            lambda low, high: z.node(z.var[n], low, z.without(high, low)))

        return solve((family, 0), self._minimal, step)

    def product(self, a: int, b: int, threshold: float, max_order: int) -> tuple[int, float]:
        """(the sets ``s ∪ t`` (``s`` in ``a``, ``t`` in ``b``) with ``P >= threshold`` and at most
        ``max_order`` events; a bound of the probability of the union of the others).

        Frames ``(p, q, threshold, order, stage)`` on one stack; stage 0 evaluates, 1 makes the
        node from the low and high results, 2 from the low and three high results (both
        operands hold the variable)."""
        z, w = self.zdd, self.weight
        var, lo, hi = z.var, z.lo, z.hi
        memo = self._product
        self._sync()  # operands are below a and b: folded once here
        best, total, fewest, support = self.best, self.total, self.fewest, self.support
        todo: list[tuple[int, int, float, int, int]] = [(a, b, threshold, max_order, 0)]
        values: list[tuple[int, float]] = []
        push, give = todo.append, values.append
        while todo:
            p, q, t, k, stage = todo.pop()
            if stage == 1:
                high, high_mass = values.pop()
                low, low_mass = values.pop()
                v = min(var[p], var[q])
                made = (z.node(v, low, high), low_mass + w[v] * high_mass)
                memo[(p, q, t, k)] = made
                give(made)
                continue
            if stage == 2:
                parts = [values.pop() for _ in range(3)]
                low, low_mass = values.pop()
                high = z.union(z.union(parts[0][0], parts[1][0]), parts[2][0])
                v = var[p]
                made = (z.node(v, low, high), low_mass + w[v] * sum(m for _, m in parts))
                memo[(p, q, t, k)] = made
                give(made)
                continue
            if p == EMPTY or q == EMPTY:
                give((EMPTY, 0.0))
                continue
            if p > q:
                p, q = q, p
            if p == BASE:
                kept = self.keep(q, t, k)
                dropped = z.difference(q, kept)
                give((kept, weighted_sum(z, dropped, w) if dropped != EMPTY else 0.0))
                continue
            found = memo.get((p, q, t, k))
            if found is not None:
                give(found)
                continue
            if not support[p] & support[q] and (
                best[p] * best[q] < t or fewest[p] + fewest[q] > k
            ):
                give((EMPTY, total[p] * total[q]))  # independent: P(p ∧ q) = P(p)·P(q)
                continue
            # Split on the smaller top variable; the frame keeps the memo key (p, q).
            first, second = (p, q) if var[p] <= var[q] else (q, p)
            v = var[first]
            t_high = t / w[v] if w[v] > 0.0 else (math.inf if t > 0.0 else 0.0)
            if v < var[second]:
                push((p, q, t, k, 1))
                push((hi[first], second, t_high, k - 1, 0))
                push((lo[first], second, t, k, 0))
            else:
                push((p, q, t, k, 2))
                push((hi[p], hi[q], t_high, k - 1, 0))
                push((hi[p], lo[q], t_high, k - 1, 0))
                push((lo[p], hi[q], t_high, k - 1, 0))
                push((lo[p], lo[q], t, k, 0))
        return values[-1]
