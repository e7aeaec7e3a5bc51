"""Structural bounds on the gates of a coherent formula, for the truncated bottom-up cut sets
(:mod:`pumpsafe.hazards.truncated`).

Everything here rests on one fact: basic events are independent, so functions of disjoint sets of
events are independent. For each node of a preprocessed formula
(:class:`~pumpsafe.hazards.preprocess.Formula`) without negated literals (a coherent tree):

* ``support``: the events below it (a bit mask over event nodes);
* ``best``: an upper bound of ``max P(C)`` over its minimal cut sets ``C``;
* ``upper``: an upper bound of the probability of its function;
* ``multiplier`` (``M``): a number such that every minimal cut set ``C`` of the top event whose
  derivation goes through the gate and uses the gate's minimal cut set ``s`` (so ``s ⊆ C``) has
  ``P(C) <= P(s) · M``. A set of the gate with ``P(s) < cutoff / M`` can therefore be dropped
  without losing any top-level minimal cut set of probability ``>= cutoff``.

``M`` uses, at each AND ancestor, only the siblings whose events are disjoint from the path
child's and from each other (the others count as factor 1, always sound since every factor is a
probability bound <= 1); the path child holds every lower gate's events, so the siblings chosen at
different levels are disjoint too. At an ATLEAST ancestor the factor is the product of the
``k - 1`` largest sibling bounds when all its arguments are pairwise independent, else 1. Over
several parents ``M`` takes the maximum (``C`` has one derivation through each parent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pumpsafe.hazards.preprocess import Formula, postorder_gates


@dataclass(frozen=True)
class GateBounds:
    """Per-node structural bounds of a coherent formula (see the module docstring)."""

    support: dict[int, int]
    best: dict[int, float]
    upper: dict[int, float]
    multiplier: dict[int, float]


def gate_bounds(formula: Formula, weight: Sequence[float]) -> GateBounds:
    """Bounds of every node of the coherent ``formula``; ``weight[i]`` is the probability of
    ``formula.events[i]`` (node ``i + 1``)."""
    support: dict[int, int] = {}
    best: dict[int, float] = {}
    upper: dict[int, float] = {}
    for i, w in enumerate(weight):
        support[i + 1] = 1 << i
        best[i + 1] = upper[i + 1] = w
    for node, gate in formula.gates.items():  # children first
        args = [a >> 1 for a in gate.args]
        mask = 0
        for a in args:
            mask |= support[a]
        support[node] = mask
        disjoint = _pairwise_disjoint([support[a] for a in args])
        if gate.op == "or":
            best[node] = max(best[a] for a in args)
            upper[node] = min(1.0, sum(upper[a] for a in args))
        elif gate.op == "and":
            best[node] = _disjoint_product([(best[a], support[a]) for a in args], 0)
            upper[node] = _disjoint_product([(upper[a], support[a]) for a in args], 0)
        else:  # atleast
            bests = sorted((best[a] for a in args), reverse=True)
            best[node] = _product(bests[: gate.k]) if disjoint else bests[0]
            uppers = [upper[a] for a in args]
            upper[node] = min(1.0, _symmetric(uppers, gate.k) if disjoint else sum(uppers))
    return GateBounds(support, best, upper, _multipliers(formula, support, best))


def _multipliers(
    formula: Formula, support: dict[int, int], best: dict[int, float]
) -> dict[int, float]:
    """``M`` of every gate (the maximum over its parents)."""
    root = formula.root >> 1
    multiplier: dict[int, float] = {root: 1.0}
    for node in reversed(list(formula.gates)):  # parents first
        gate = formula.gates[node]
        args = [a >> 1 for a in gate.args]
        here = multiplier.get(node, 0.0)
        for child in args:
            if formula.is_gate(child):
                siblings = [a for a in args if a != child]
                factor = _sibling_factor(gate.op, gate.k, child, siblings, support, best)
                multiplier[child] = max(multiplier.get(child, 0.0), here * factor)
    return multiplier


def _sibling_factor(
    op: str,
    k: int,
    child: int,
    siblings: list[int],
    support: dict[int, int],
    best: dict[int, float],
) -> float:
    """The factor of ``M`` from the siblings of ``child`` under one gate."""
    if op == "or":
        return 1.0
    if op == "and":
        return _disjoint_product([(best[s], support[s]) for s in siblings], support[child])
    # ATLEAST k: the child and at least k - 1 siblings hold, which ones is not known; a factor
    # below 1 is sound only when every sibling is independent of the child and of each other.
    if not _pairwise_disjoint([support[child]] + [support[s] for s in siblings]):
        return 1.0
    return _product(sorted((best[s] for s in siblings), reverse=True)[: k - 1])


def _pairwise_disjoint(masks: list[int]) -> bool:
    seen = 0
    for m in masks:
        if seen & m:
            return False
        seen |= m
    return True


def _disjoint_product(items: list[tuple[float, int]], exclude: int) -> float:
    """Product of the values of a subfamily of ``items`` (value, support) whose supports are
    disjoint from ``exclude`` and from each other, chosen greedily smallest value first."""
    taken, result = exclude, 1.0
    for value, mask in sorted(items, key=lambda item: item[0]):
        if not taken & mask:
            taken |= mask
            result *= value
    return result


def _product(values: Sequence[float]) -> float:
    result = 1.0
    for v in values:
        result *= v
    return result


def _symmetric(values: Sequence[float], k: int) -> float:
    """Elementary symmetric polynomial ``e_k``: the sum over k-subsets of their products (the
    probability bound of 'at least k of these independent events')."""
    row = [1.0] + [0.0] * k
    for v in values:
        for j in range(k, 0, -1):
            row[j] += v * row[j - 1]
    return row[k]


def contexts(formula: Formula, weight: Sequence[float], bounds: GateBounds) -> dict[int, float]:
    """``K_g`` of every gate: a bound of the probability that, along some path from the top to
    ``g``, the other arguments needed by every AND (ATLEAST) ancestor hold, by a function
    independent of ``g``'s events. A sibling ``b`` sharing events ``S`` with the path child ``c``
    is replaced by ``b`` with the events of ``S`` TRUE ('lifted', larger since the tree is
    coherent, and independent of ``c``'s events); siblings are chosen pairwise independent
    (greedy, smallest bound first), the others count 1. The top's ``K`` is 1; over parents the
    sum, capped at 1. Then ``P(top) - P(T_top) <= Σ_g mass_g · K_g`` (docs/fta.md), where
    ``mass_g`` bounds the sets dropped at ``g`` itself."""
    lifted = _Lifted(formula, weight, bounds)
    support = bounds.support
    root = formula.root >> 1
    context: dict[int, float] = {root: 1.0}
    for node in reversed(list(formula.gates)):  # parents first
        gate = formula.gates[node]
        here = context.get(node, 0.0)
        if here == 0.0 or gate.op == "or":
            for a in gate.args:
                if formula.is_gate(a >> 1):
                    context[a >> 1] = min(1.0, context.get(a >> 1, 0.0) + here)
            continue
        args = [a >> 1 for a in gate.args]
        for child in args:
            if not formula.is_gate(child):
                continue
            own = support[child]
            items = [(lifted.upper(s, support[s] & own), support[s] & ~own)
                     for s in args if s != child]
            if gate.op == "and":
                factor = _disjoint_product(items, 0)
            elif _pairwise_disjoint([m for _, m in items]):
                factor = min(1.0, _symmetric([u for u, _ in items], gate.k - 1))
            else:
                factor = 1.0
            context[child] = min(1.0, context.get(child, 0.0) + here * factor)
    return context


class _Lifted:
    """Structural upper bounds of a node's function with some events set TRUE."""

    def __init__(self, formula: Formula, weight: Sequence[float], bounds: GateBounds) -> None:
        self.formula = formula
        self.weight = weight
        self.bounds = bounds
        self._below: dict[int, list[int]] = {}
        self._memo: dict[tuple[int, int], float] = {}

    def upper(self, node: int, true_events: int) -> float:
        """Upper bound of P(node's function with the events of ``true_events`` TRUE), by the
        rules of :func:`gate_bounds` (union bound, products over independent arguments)."""
        support = self.bounds.support
        if not support[node] & true_events:
            return self.bounds.upper[node]
        if not self.formula.is_gate(node):
            return 1.0
        key = (node, true_events & support[node])
        if key in self._memo:
            return self._memo[key]
        below = self._below.get(node)
        if below is None:
            below = self._below[node] = postorder_gates(self.formula.gates, 2 * node)
        value: dict[int, float] = {}

        def of(n: int) -> float:
            if not support[n] & true_events:
                return self.bounds.upper[n]
            return value[n] if self.formula.is_gate(n) else 1.0

        for g in below:
            if not support[g] & true_events:
                continue
            gate = self.formula.gates[g]
            args = [a >> 1 for a in gate.args]
            if gate.op == "or":
                value[g] = min(1.0, sum(of(a) for a in args))
            elif gate.op == "and":
                value[g] = _disjoint_product([(of(a), support[a]) for a in args], 0)
            else:
                ups = [of(a) for a in args]
                independent = _pairwise_disjoint([support[a] for a in args])
                value[g] = min(1.0, _symmetric(ups, gate.k) if independent else sum(ups))
        self._memo[key] = value[node]
        return value[node]
