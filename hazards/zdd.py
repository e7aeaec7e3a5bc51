"""A zero-suppressed decision diagram (ZDD) of sets of variables, with iterative operations.

Minato's ZDDs represent families of sets: node ``(v, lo, hi)`` is ``lo ∪ {s ∪ {v} : s ∈ hi}``,
node 0 is the empty family and node 1 the family ``{∅}``. Variables are small integers; a node's
variable is smaller than its children's. Nodes are hash-consed, so equal families are equal
numbers, and every node's children have smaller numbers than the node (post-order), which lets
the counting passes be plain loops.

Why our own ZDD rather than ``dd.cudd_zdd`` or ``oxidd.zbdd``: the minimal-solutions step and
every summary (count, order distribution, rare-event sums) are per-node Python loops anyway, and
integer arrays with a dict unique table were faster here than calling into either library once
per node. The BDD itself stays in CUDD.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

EMPTY = 0
BASE = 1


class Zdd:
    """A ZDD node store: ``var``, ``lo``, ``hi`` arrays and a unique table."""

    def __init__(self, terminal_var: int) -> None:
        self.terminal_var = terminal_var
        self.var = [terminal_var, terminal_var]
        self.lo = [0, 1]
        self.hi = [0, 1]
        self._unique: dict[tuple[int, int, int], int] = {}
        # Results depend only on the operands, so the caches live as long as the nodes.
        self._without: dict[tuple[int, int], int] = {}
        self._difference: dict[tuple[int, int], int] = {}
        self._union: dict[tuple[int, int], int] = {}

    def node(self, var: int, lo: int, hi: int) -> int:
        """The node for ``lo ∪ {s ∪ {var}: s ∈ hi}`` (``var`` below every variable of lo/hi)."""
        if hi == EMPTY:
            return lo
        key = (var, lo, hi)
        found = self._unique.get(key)
        if found is None:
            found = len(self.var)
            self.var.append(var)
            self.lo.append(lo)
            self.hi.append(hi)
            self._unique[key] = found
        return found

    def _maker(self, var: int) -> Callable[[int, int], int]:
        return lambda lo, hi: self.node(var, lo, hi)

    def without(self, family: int, blockers: int) -> int:
        """Sets of ``family`` that contain no set of ``blockers`` (Rauzy 1993, 'without').

        With ``P = v·P1 ∪ P0`` and ``Q = v·Q1 ∪ Q0`` (same top variable ``v``),
        ``without(P, Q) = v·without(without(P1, Q1), Q0) ∪ without(P0, Q0)``; when ``Q``'s top
        variable is below ``P``'s, no set of ``v·Q1`` fits in a set of ``P``. One explicit stack
        of integer frames (no recursion, no closures), results memoised by the operand pair:
        this is the inner loop of the minimal-cut-set step.
        """
        var, lo, hi, memo = self.var, self.lo, self.hi, self._without
        node = self.node
        # Frames: (p, q, stage); stage 0 = evaluate, 1 = make node from two results,
        # 2 = continue with the 'without Q0' half, 3 = record the result on top of ``values``.
        todo: list[tuple[int, int, int]] = [(family, blockers, 0)]
        values: list[int] = []
        push, pop = todo.append, todo.pop
        while todo:
            p, q, stage = pop()
            if stage == 0:
                if p == EMPTY or q == BASE or p == q:
                    values.append(EMPTY)
                    continue
                if q == EMPTY:
                    values.append(p)
                    continue
                found = memo.get((p, q))
                if found is not None:
                    values.append(found)
                    continue
                vp, vq = var[p], var[q]
                if vp > vq:
                    push((p, q, 3))
                    push((p, lo[q], 0))
                elif vp < vq:
                    push((p, q, 1))
                    push((hi[p], q, 0))
                    push((lo[p], q, 0))
                else:
                    push((p, q, 2))
                    push((hi[p], hi[q], 0))
                    push((lo[p], lo[q], 0))
            elif stage == 1:
                high = values.pop()
                low = values.pop()
                made = node(var[p], low, high)
                memo[(p, q)] = made
                values.append(made)
            elif stage == 2:
                push((p, q, 1))
                push((values.pop(), lo[q], 0))
            else:
                memo[(p, q)] = values[-1]
        return values[-1]

    def difference(self, family: int, removed: int) -> int:
        """Sets of ``family`` that are not sets of ``removed``."""
        memo = self._difference
        return solve((family, removed), memo, lambda key, m: self._difference_step(key, m))

    def _difference_step(self, key: tuple[int, int], memo: dict[tuple[int, int], int]) -> Step:
        p, q = key
        if p == EMPTY or p == q:
            return EMPTY, ()
        if q == EMPTY:
            return p, ()
        vp, vq = self.var[p], self.var[q]
        if vp > vq:
            return follow(memo, (p, self.lo[q]))
        if vp < vq:
            return combine2(
                memo, (self.lo[p], q), (self.hi[p], q), lambda a, b: self.node(vp, a, b)
            )
        return combine2(
            memo,
            (self.lo[p], self.lo[q]),
            (self.hi[p], self.hi[q]),
            self._maker(vp),
        )

    def union(self, a: int, b: int) -> int:
        """Sets in ``a`` or in ``b``."""
        memo = self._union
        return solve((a, b), memo, lambda key, m: self._union_step(key, m))

    def _union_step(self, key: tuple[int, int], memo: dict[tuple[int, int], int]) -> Step:
        p, q = key
        if p == EMPTY or p == q:
            return q, ()
        if q == EMPTY:
            return p, ()
        vp, vq = self.var[p], self.var[q]
        if vp > vq:
            p, q, vp, vq = q, p, vq, vp
        if vp < vq:
            return combine2(
                memo, (self.lo[p], q), (self.hi[p], EMPTY), lambda a, b: self.node(vp, a, b)
            )
        return combine2(
            memo,
            (self.lo[p], self.lo[q]),
            (self.hi[p], self.hi[q]),
            self._maker(vp),
        )

    def reachable(self, root: int) -> list[int]:
        """Non-terminal nodes below ``root`` (inclusive), children before parents."""
        seen: set[int] = set()
        stack = [root]
        while stack:
            n = stack.pop()
            if n > BASE and n not in seen:
                seen.add(n)
                stack.extend((self.lo[n], self.hi[n]))
        return sorted(seen)

    def fold(
        self, root: int, empty: object, base: object, step: Callable[[int, object, object], object]
    ) -> object:
        """Bottom-up value of ``root``: ``step(var, value(lo), value(hi))`` at each node."""
        values: dict[int, object] = {EMPTY: empty, BASE: base}
        for n in self.reachable(root):
            values[n] = step(self.var[n], values[self.lo[n]], values[self.hi[n]])
        return values[root]

    def sets(self, root: int) -> Iterator[list[int]]:
        """Every set of the family, each as a list of variables in increasing order."""
        stack: list[tuple[int, list[int]]] = [(root, [])]
        while stack:
            n, prefix = stack.pop()
            if n == EMPTY:
                continue
            if n == BASE:
                yield prefix
                continue
            stack.append((self.lo[n], prefix))
            stack.append((self.hi[n], [*prefix, self.var[n]]))


Step = tuple[int | None, tuple[tuple[int, int], ...]]
"""Result of one step of an iterative operation: ``(value, ())`` when done, else
``(None, keys)`` naming sub-problems to solve first."""


def follow(memo: dict[tuple[int, int], int], key: tuple[int, int]) -> Step:
    if key in memo:
        return memo[key], ()
    return None, (key,)


def combine2(
    memo: dict[tuple[int, int], int],
    lo_key: tuple[int, int],
    hi_key: tuple[int, int],
    make: Callable[[int, int], int],
) -> Step:
    missing = tuple(k for k in (hi_key, lo_key) if k not in memo)
    if missing:
        return None, missing
    return make(memo[lo_key], memo[hi_key]), ()


def solve(
    start: tuple[int, int],
    memo: dict[tuple[int, int], int],
    step: Callable[[tuple[int, int], dict[tuple[int, int], int]], Step],
) -> int:
    """Run a memoised binary operation to completion with an explicit stack (no recursion)."""
    stack = [start]
    while stack:
        key = stack[-1]
        if key in memo:
            stack.pop()
            continue
        value, needed = step(key, memo)
        if value is None:
            stack.extend(needed)
        else:
            memo[key] = value
            stack.pop()
    return memo[start]
