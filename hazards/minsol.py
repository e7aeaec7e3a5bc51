"""Minimal cut sets and prime implicants as ZDDs, from the BDD of the top event.

Minimal solutions (Rauzy 1993): for ``f = x·f1 + ¬x·f0``,
``minsol(f) = minsol(f0) ∪ {{x} ∪ m : m ∈ minsol(f1) without minsol(f0)}``, where 'without'
drops every set that contains a set of the second family. On a non-coherent function this gives
the minimal sets ``S`` such that ``f`` is true when exactly the events of ``S`` occur: the minimal
cut sets over positive literals, which is what the published Aralia tables count.

Prime implicants (Coudert and Madre 1992): with ``g = f0·f1``,
``PI(f) = PI(g) ∪ x·(PI(f1) \\ PI(g)) ∪ ¬x·(PI(f0) \\ PI(g))``. Literals are ZDD variables
``2·v`` (event ``v`` occurs) and ``2·v + 1`` (it does not).

A. Rauzy, "New algorithms for fault trees analysis", Reliability Engineering & System Safety
40(3), 1993. O. Coudert and J. C. Madre, "Implicit and incremental computation of primes and
essential primes of Boolean functions", DAC 1992.
"""

from __future__ import annotations

from typing import Any

from pumpsafe.hazards.flat import FlatBdd
from pumpsafe.hazards.zdd import BASE, EMPTY, Zdd


class BudgetExceeded(Exception):
    """The prime-implicant computation needed more BDD operations than it was allowed."""


def minimal_solutions(bdd: FlatBdd, zdd: Zdd) -> int:
    """ZDD (in ``zdd``, variables = BDD levels) of the minimal solutions of ``bdd``'s root."""
    memo: dict[int, int] = {0: BASE, 1: EMPTY}
    stack = [bdd.root]
    while stack:
        edge = stack[-1]
        if edge in memo:
            stack.pop()
            continue
        node, flip = edge >> 1, edge & 1
        f0, f1 = bdd.low[node] ^ flip, bdd.high[node] ^ flip
        missing = [e for e in (f1, f0) if e not in memo]
        if missing:
            stack.extend(missing)
            continue
        low = memo[f0]
        high = zdd.without(memo[f1], low)
        memo[edge] = zdd.node(bdd.level[node], low, high)
        stack.pop()
    return memo[bdd.root]


def prime_implicants(manager: Any, root: Any, zdd: Zdd, budget: int = 2_000_000) -> int:
    """ZDD of the prime implicants of the ``dd.cudd`` function ``root`` (literal variables).

    Raises :class:`BudgetExceeded` after ``budget`` sub-functions: the number of sub-functions
    ``f0·f1`` can grow much faster than the BDD on large non-coherent trees.
    """
    memo: dict[int, int] = {int(manager.true): BASE, int(manager.false): EMPTY}
    parts: dict[int, tuple[Any, Any, Any]] = {}
    stack = [root]
    while stack:
        f = stack[-1]
        key = int(f)
        if key in memo:
            stack.pop()
            continue
        if key not in parts:
            if len(parts) >= budget:
                raise BudgetExceeded(f"more than {budget} sub-functions")
            f0, f1 = (~f.low, ~f.high) if f.negated else (f.low, f.high)
            parts[key] = (f0, f1, f0 & f1)
        f0, f1, g = parts[key]
        missing = [h for h in (g, f1, f0) if int(h) not in memo]
        if missing:
            stack.extend(missing)
            continue
        common = memo[int(g)]
        positive = zdd.difference(memo[int(f1)], common)
        negative = zdd.difference(memo[int(f0)], common)
        literal = 2 * manager.level_of_var(f.var)
        memo[key] = zdd.node(literal, zdd.node(literal + 1, common, negative), positive)
        stack.pop()
    return memo[int(root)]
