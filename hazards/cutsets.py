"""Summaries of a cut-set family held in a ZDD: count, order distribution, truncation, sums.

Nothing here enumerates the family except :func:`list_sets`, which stops at a limit. Every
figure is a bottom-up fold over the ZDD's nodes, so 10^8 cut sets cost what their ZDD costs.

Approximations (always labelled as such; the exact value comes from the BDD):

* rare-event approximation ``Σ_C P(C)``, where ``P(C)`` is the product of the probabilities of
  the literals of ``C``; an upper bound on coherent trees;
* min-cut upper bound ``1 - Π_C (1 - P(C))``, computed without listing the sets as
  ``1 - exp(-Σ_k S_k / k)`` with ``S_k = Σ_C P(C)^k`` (the series of ``log(1 - x)``), each ``S_k``
  being one fold; terms are added until they no longer change the sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from pumpsafe.hazards.zdd import BASE, EMPTY, Step, Zdd, combine2, follow, solve


def count(zdd: Zdd, root: int) -> int:
    """Number of sets in the family (exact, arbitrary precision)."""
    return int(str(zdd.fold(root, 0, 1, lambda _v, lo, hi: _int(lo) + _int(hi))))


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _list(value: object) -> list[int]:
    assert isinstance(value, list)
    return value


def order_distribution(zdd: Zdd, root: int, size_of: Callable[[int], int]) -> dict[int, int]:
    """Number of sets of each order; ``size_of(var)`` is what one variable adds (0 or 1)."""

    def step(var: int, lo: object, hi: object) -> list[int]:
        shift = size_of(var)
        low, high = _list(lo), _list(hi)
        out = [0] * max(len(low), len(high) + shift)
        for i, c in enumerate(low):
            out[i] += c
        for i, c in enumerate(high):
            out[i + shift] += c
        return out

    counts = _list(zdd.fold(root, [], [1], step))
    return {order: c for order, c in enumerate(counts) if c}


def weighted_sum(zdd: Zdd, root: int, weight: Sequence[float], power: int = 1) -> float:
    """``Σ_C Π_{v ∈ C} weight[v] ** power`` over the family."""
    powered = [w**power for w in weight]

    def step(var: int, lo: object, hi: object) -> float:
        assert isinstance(lo, float) and isinstance(hi, float)
        return lo + powered[var] * hi

    result = zdd.fold(root, 0.0, 1.0, step)
    assert isinstance(result, float)
    return result


def max_product(zdd: Zdd, root: int, weight: Sequence[float]) -> float:
    """Largest ``P(C)`` over the family (0 for the empty family)."""

    def step(var: int, lo: object, hi: object) -> float:
        assert isinstance(lo, float) and isinstance(hi, float)
        return max(lo, weight[var] * hi)

    result = zdd.fold(root, 0.0, 1.0, step)
    assert isinstance(result, float)
    return result


def min_cut_upper_bound(zdd: Zdd, root: int, weight: Sequence[float]) -> float:
    """``1 - Π_C (1 - P(C))`` by the logarithm series (see the module docstring)."""
    largest = max_product(zdd, root, weight)
    if largest >= 1.0:
        return 1.0
    total = 0.0
    for k in range(1, 10_000):
        term = weighted_sum(zdd, root, weight, k) / k
        total += term
        if term <= 1e-17 * total or largest**k < 1e-300:
            break
    return -math.expm1(-total)


def truncate_order(zdd: Zdd, root: int, max_order: int, size_of: Callable[[int], int]) -> int:
    """The sets of at most ``max_order`` elements (as counted by ``size_of``)."""

    def step(key: tuple[int, int], memo: dict[tuple[int, int], int]) -> Step:
        n, k = key
        if n in (EMPTY, BASE):
            return n, ()
        var, shift = zdd.var[n], size_of(zdd.var[n])
        if k < shift:
            return follow(memo, (zdd.lo[n], k))
        return combine2(
            memo, (zdd.lo[n], k), (zdd.hi[n], k - shift), lambda a, b: zdd.node(var, a, b)
        )

    return solve((root, max_order), {}, step)


def truncate_probability(zdd: Zdd, root: int, weight: Sequence[float], cutoff: float) -> int:
    """The sets ``C`` with ``P(C) >= cutoff``."""
    best: dict[int, float] = {EMPTY: 0.0, BASE: 1.0}
    for n in zdd.reachable(root):
        best[n] = max(best[zdd.lo[n]], weight[zdd.var[n]] * best[zdd.hi[n]])
    scale: dict[int, float] = {0: cutoff}
    index: dict[float, int] = {cutoff: 0}

    # Keys must be integer pairs: thresholds are interned to small integers.
    def threshold_id(t: float) -> int:
        if t not in index:
            index[t] = len(scale)
            scale[len(scale)] = t
        return index[t]

    def step(key: tuple[int, int], memo: dict[tuple[int, int], int]) -> Step:
        n, tid = key
        t = scale[tid]
        if n == EMPTY or best[n] < t:
            return EMPTY, ()
        if n == BASE or t <= 0.0:
            return n, ()
        var, w = zdd.var[n], weight[zdd.var[n]]
        hi_key = (zdd.hi[n], threshold_id(t / w)) if w > 0.0 else (EMPTY, 0)
        return combine2(memo, (zdd.lo[n], tid), hi_key, lambda a, b: zdd.node(var, a, b))

    return solve((root, 0), {}, step)


def list_sets(
    zdd: Zdd,
    root: int,
    name_of: Callable[[int], str],
    size_of: Callable[[int], int],
    limit: int | None,
) -> tuple[list[list[str]], bool]:
    """Sets as sorted name lists, sorted by (length, names), at most ``limit`` of them.

    Returns the sets and whether the list was cut at the limit. Orders are enumerated one at a
    time, smallest first, so a limit stops the work early.
    """
    distribution = order_distribution(zdd, root, size_of)
    result: list[list[str]] = []
    for order in sorted(distribution):
        exact = _exact_order(zdd, root, order, size_of)
        batch = sorted(sorted(name_of(v) for v in s) for s in zdd.sets(exact))
        result.extend(batch)
        if limit is not None and len(result) >= limit:
            return result[:limit], len(result) > limit or order != max(distribution)
    return result, False


def _exact_order(zdd: Zdd, root: int, order: int, size_of: Callable[[int], int]) -> int:
    at_most = truncate_order(zdd, root, order, size_of)
    if order == 0:
        return at_most
    return zdd.difference(at_most, truncate_order(zdd, root, order - 1, size_of))
