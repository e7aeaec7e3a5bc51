"""A CUDD BDD copied into flat arrays, and exact quantification on it.

Nodes are numbered in post-order, so every child has a smaller number than its parents: node 0 is
the constant TRUE, and an *edge* is ``2 * node + c`` where ``c = 1`` means complemented. Every
computation below is a loop over these arrays (no recursion, so no depth limit) and handles
complemented edges exactly: each node keeps both ``P`` (probability of its function) and
``Q = 1 - P`` computed separately from non-negative terms, so that a complemented edge reads the
other one instead of computing ``1 - P`` (which would lose every digit of a probability such as
2e-11 sitting under a complement edge).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FlatBdd:
    """``level[n]``, ``low[n]``, ``high[n]`` of each node ``n`` (edges), and the root edge.

    The terminal has level ``len(variables)``.
    """

    variables: tuple[str, ...]
    level: list[int]
    low: list[int]
    high: list[int]
    root: int

    @property
    def size(self) -> int:
        """Number of nodes including the terminal."""
        return len(self.level)


def flatten(manager: Any, root: Any, variables: Sequence[str]) -> FlatBdd:
    """Copy the ``dd.cudd`` BDD ``root`` of ``manager`` into a :class:`FlatBdd`.

    CUDD marks a complemented edge in the lowest bit of the node pointer (``int(u) & 1``);
    ``u.low``/``u.high`` are the children of the regular node.
    """
    levels = {name: manager.level_of_var(name) for name in variables}
    by_level = sorted(variables, key=levels.__getitem__)
    terminal = int(manager.true) & ~1
    index = {terminal: 0}
    level, low, high = [len(by_level)], [0], [0]
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        key = int(node) & ~1
        if key in index:
            continue
        lo, hi = node.low, node.high
        if not expanded:
            stack.append((node, True))
            stack.extend(((hi, False), (lo, False)))
            continue
        index[key] = len(level)
        level.append(levels[node.var])
        low.append(2 * index[int(lo) & ~1] + (int(lo) & 1))
        high.append(2 * index[int(hi) & ~1] + (int(hi) & 1))
    root_edge = 2 * index[int(root) & ~1] + (int(root) & 1)
    return FlatBdd(tuple(by_level), level, low, high, root_edge)


def node_probabilities(bdd: FlatBdd, p: Sequence[float]) -> tuple[list[float], list[float]]:
    """``(P, Q)`` per node for variable probabilities ``p`` (by level); ``Q[n] = 1 - P[n]``."""
    prob = [1.0] * bdd.size
    comp = [0.0] * bdd.size
    q = [1.0 - x for x in p]
    level, low, high = bdd.level, bdd.low, bdd.high
    for n in range(1, bdd.size):
        v, lo, hi = level[n], low[n], high[n]
        lo_p, lo_q = (comp[lo >> 1], prob[lo >> 1]) if lo & 1 else (prob[lo >> 1], comp[lo >> 1])
        hi_p, hi_q = (comp[hi >> 1], prob[hi >> 1]) if hi & 1 else (prob[hi >> 1], comp[hi >> 1])
        prob[n] = p[v] * hi_p + q[v] * lo_p
        comp[n] = p[v] * hi_q + q[v] * lo_q
    return prob, comp


def edge_value(edge: int, prob: Sequence[float], comp: Sequence[float]) -> float:
    """Probability of the function an edge points to."""
    return comp[edge >> 1] if edge & 1 else prob[edge >> 1]


def top_probability(bdd: FlatBdd, p: Sequence[float]) -> float:
    """Exact probability of the root function; ``p`` gives each variable's probability by level."""
    prob, comp = node_probabilities(bdd, p)
    return edge_value(bdd.root, prob, comp)


def conditional_probabilities(bdd: FlatBdd, p: Sequence[float]) -> tuple[list[float], list[float]]:
    """``(P1, P0)`` by level: top probability given the variable true, and given it false.

    One bottom-up pass (``P`` and ``Q`` per node) and one top-down pass that carries, for each
    node, the probability mass of the paths reaching it split by the parity of complemented edges
    on the way (even: the node contributes ``P``, odd: ``Q``). For a level ``v``, the paths either
    test ``v`` (their mass is redirected to the high or low child) or jump over it (their edge
    contributes to both conditionals; such jumps are added to the level ranges they cover in a
    segment tree, not a difference array, whose running sum would subtract). Every term is
    non-negative, so neither conditional loses digits to cancellation;
    Birnbaum is ``P1 - P0`` and is exact on non-coherent functions, where it may be negative.
    """
    prob, comp = node_probabilities(bdd, p)
    levels = len(bdd.variables)
    even = [0.0] * bdd.size
    odd = [0.0] * bdd.size
    jump = _RangeSums(levels)
    given_true = [0.0] * levels
    given_false = [0.0] * levels
    root = bdd.root
    (odd if root & 1 else even)[root >> 1] = 1.0
    jump.add(0, bdd.level[root >> 1], edge_value(root, prob, comp))
    level, low, high = bdd.level, bdd.low, bdd.high
    for n in range(bdd.size - 1, 0, -1):
        m0, m1, v = even[n], odd[n], level[n]
        if m0 == 0.0 and m1 == 0.0:
            continue
        for edge, weight, out in ((high[n], p[v], given_true), (low[n], 1.0 - p[v], given_false)):
            target, flip = edge >> 1, edge & 1
            value = m0 * edge_value(edge, prob, comp) + m1 * edge_value(edge ^ 1, prob, comp)
            out[v] += value
            if flip:
                even[target] += weight * m1
                odd[target] += weight * m0
            else:
                even[target] += weight * m0
                odd[target] += weight * m1
            if level[target] > v + 1:
                jump.add(v + 1, level[target], weight * value)
    for v in range(levels):
        skipped = jump.at(v)
        given_true[v] += skipped
        given_false[v] += skipped
    return given_true, given_false


class _RangeSums:
    """Add a value to a range of levels; read the total at one level (sums of non-negatives)."""

    def __init__(self, levels: int) -> None:
        self.size = 1 << max(0, levels - 1).bit_length()
        self.cells = [0.0] * (2 * self.size)

    def add(self, start: int, stop: int, value: float) -> None:
        lo, hi = start + self.size, stop + self.size
        while lo < hi:
            if lo & 1:
                self.cells[lo] += value
                lo += 1
            if hi & 1:
                hi -= 1
                self.cells[hi] += value
            lo >>= 1
            hi >>= 1

    def at(self, index: int) -> float:
        i, total = index + self.size, 0.0
        while i:
            total += self.cells[i]
            i >>= 1
        return total
