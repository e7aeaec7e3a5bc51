"""Minimal cut sets and prime implicants as ZDDs, from the BDD of the top event.

Minimal solutions (Rauzy 1993): for ``f = x·f1 + ¬x·f0``,
``minsol(f) = minsol(f0) ∪ {{x} ∪ m : m ∈ minsol(f1) without minsol(f0)}``, where 'without'
drops every set that contains a set of the second family (on a coherent tree: every set on which
``f0`` is true, a filter by the BDD of ``f0``). On a non-coherent function this gives
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


def minimal_solutions(bdd: FlatBdd, zdd: Zdd, monotone: bool = False) -> int:
    """ZDD (in ``zdd``, variables = BDD levels) of the minimal solutions of ``bdd``'s root.

    With ``monotone`` (the function of a coherent tree), 'minsol(f1) without minsol(f0)' is
    computed as the sets ``S`` of minsol(f1) with ``f0(S)`` false (:func:`_falsified`): for a
    monotone ``f0``, ``S`` contains a minimal solution of ``f0`` exactly when ``f0(S)`` holds. That
    walks the BDD of ``f0`` instead of its (larger) ZDD, with one sub-problem per step.
    """
    memo: dict[int, int] = {0: BASE, 1: EMPTY}
    falsified: dict[tuple[int, int], int] = {}
    at_zero = _value_at_zero(bdd) if monotone else []
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
        if monotone:
            high = _falsified(bdd, zdd, memo[f1], f0, at_zero, falsified)
        else:
            high = zdd.without(memo[f1], low)
        memo[edge] = zdd.node(bdd.level[node], low, high)
        stack.pop()
    return memo[bdd.root]


def _value_at_zero(bdd: FlatBdd) -> list[bool]:
    """Per node: the value of its (uncomplemented) function when every variable is false."""
    value = [True] * bdd.size
    low = bdd.low
    for n in range(1, bdd.size):
        lo = low[n]
        value[n] = value[lo >> 1] ^ bool(lo & 1)
    return value


def _falsified(
    bdd: FlatBdd,
    zdd: Zdd,
    family: int,
    function: int,
    at_zero: list[bool],
    memo: dict[tuple[int, int], int],
) -> int:
    """Sets ``S`` of the ZDD ``family`` such that the BDD edge ``function`` is false on exactly
    ``S`` (the events of ``S`` true, every other event false). Iterative, memoised by the pair."""
    zvar, zlo, zhi, node = zdd.var, zdd.lo, zdd.hi, zdd.node
    level, blow, bhigh = bdd.level, bdd.low, bdd.high
    todo: list[tuple[int, int, int]] = [(family, function, 0)]
    values: list[int] = []
    push, pop, give = todo.append, todo.pop, values.append
    while todo:
        p, g, stage = pop()
        if stage:
            high = values.pop()
            made = node(zvar[p], values.pop(), high)
            memo[(p, g)] = made
            give(made)
            continue
        if p == EMPTY or g == 0:  # no set, or the function is TRUE everywhere
            give(EMPTY)
            continue
        if g == 1:  # FALSE everywhere
            give(p)
            continue
        if p == BASE:
            give(EMPTY if at_zero[g >> 1] ^ bool(g & 1) else BASE)
            continue
        found = memo.get((p, g))
        if found is not None:
            give(found)
            continue
        v, n, flip = zvar[p], g >> 1, g & 1
        w = level[n]
        if w < v:  # no set of the family holds w: follow the low branch
            push((p, blow[n] ^ flip, 0))
            continue
        g0, g1 = (blow[n] ^ flip, bhigh[n] ^ flip) if w == v else (g, g)
        push((p, g, 1))
        push((zhi[p], g1, 0))
        push((zlo[p], g0, 0))
    return values[-1]


def prime_implicants(manager: Any, root: Any, zdd: Zdd, budget: int = 2_000_000) -> int:
    """ZDD of the prime implicants of the ``dd.cudd`` function ``root`` (literal variables).

    Raises :class:`BudgetExceeded` when there are more than ``budget`` sub-functions: the
    number of sub-functions ``f0·f1`` can grow much faster than the BDD on large non-coherent
    trees. They are all found (by CUDD alone, :func:`_sub_functions`) before any ZDD work, so a
    budget that runs out costs only the BDD operations (das9701: 0.3 s instead of 2 s spent on
    ZDD differences that were then thrown away).
    """
    memo: dict[int, int] = {int(manager.true): BASE, int(manager.false): EMPTY}
    for f, f0, f1, g in _sub_functions(manager, root, budget):
        common = memo[int(g)]
        positive = zdd.difference(memo[int(f1)], common)
        negative = zdd.difference(memo[int(f0)], common)
        literal = 2 * manager.level_of_var(f.var)
        memo[int(f)] = zdd.node(literal, zdd.node(literal + 1, common, negative), positive)
    return memo[int(root)]


def _sub_functions(manager: Any, root: Any, budget: int) -> list[tuple[Any, Any, Any, Any]]:
    """Every non-constant sub-function ``f`` of the prime-implicant recursion from ``root``, as
    ``(f, f0, f1, f0·f1)``, each after the three it depends on; :class:`BudgetExceeded` when
    there are more than ``budget``."""
    parts: dict[int, tuple[Any, Any, Any]] = {}
    ordered: list[tuple[Any, Any, Any, Any]] = []
    placed = {int(manager.true), int(manager.false)}  # the constants need no entry
    stack = [root]
    while stack:
        f = stack[-1]
        key = int(f)
        if key in placed:
            stack.pop()
            continue
        if key not in parts:
            if len(parts) >= budget:
                raise BudgetExceeded(f"more than {budget} sub-functions")
            f0, f1 = (~f.low, ~f.high) if f.negated else (f.low, f.high)
            parts[key] = (f0, f1, f0 & f1)
        f0, f1, g = parts[key]
        missing = [h for h in (g, f1, f0) if int(h) not in placed]
        if missing:
            stack.extend(missing)
            continue
        ordered.append((f, f0, f1, g))
        placed.add(key)
        stack.pop()
    return ordered
