"""Fault-tree preprocessing before BDD construction: a smaller formula of the same function.

The tree is rewritten into a :class:`Formula`, a DAG of AND, OR, ATLEAST and XOR gates whose
arguments are *literals* (a node, possibly negated), by the classic rewritings (Rauzy and
Dutuit, "Exact and truncated computations of prime implicants of coherent and non-coherent
fault trees within Aralia", RESS 58, 1997; SCRAM's preprocessor does the same):

1. **Negations become edges.** NOT gates disappear (the literal is negated); NAND and NOR become
   negated AND and OR.
2. **Constant propagation.** House events are constants; a constant argument absorbs its gate
   (FALSE under AND, TRUE under OR) or is dropped (the neutral one); an ATLEAST ``k`` gate loses
   its constant arguments (each TRUE one lowers ``k``), becomes TRUE when ``k <= 0`` and FALSE
   when ``k`` exceeds its arguments; TRUE under XOR negates the gate.
3. **Normalisation.** ATLEAST with ``k = 1`` is an OR, with ``k = n`` an AND. A repeated argument
   is dropped (AND/OR) or cancels its pair (XOR); a literal beside its negation decides the gate
   (FALSE under AND, TRUE under OR) or counts as one true argument (ATLEAST).
4. **Single-argument (NULL) gates** are replaced by their argument.
5. **Structural hashing.** Gates with the same operator, vote number and arguments are one node.
6. **Coalescing.** An argument gate used by nobody else and of the same type (an AND under an
   AND, an OR under an OR, an XOR under an XOR, and by De Morgan a negated OR under an AND or a
   negated AND under an OR) is merged into its parent. Repeated until nothing changes, since
   merging can make other gates unshared.

:func:`factor_common_arguments` then applies, to the coalesced formula, two more identities
(SCRAM's preprocessor has the same pair, "distributivity"):

7. **Absorption.** ``a ∨ (a ∧ x) = a`` and ``a ∧ (a ∨ x) = a``: an AND argument of an OR that
   has another argument of the OR among its own arguments is dropped (dually for AND).
8. **Distributivity.** ``(c ∧ x) ∨ (c ∧ y) ∨ z = (c ∧ (x ∨ y)) ∨ z`` (dually for AND over
   ORs, and through De Morgan for negated arguments): the literal shared by most of the AND
   arguments of an OR is factored out, the most shared first, again inside the new gate.
   The AND gates stay as they were for their other parents. Generated trees repeat a common
   condition under every alternative (das9701: one three-event condition under hundreds of
   AND gates), and factoring it out makes the BDD operations on the way smaller.

Every rewriting is an identity of Boolean functions, so the BDD of :attr:`Formula.root` is the
BDD of the tree's top event (tests/test_fta_preprocess.py checks it against the unprocessed
tree). Every pass is a loop over nodes children-first (no recursion), except that
distributivity recurses into the gate it creates, at most :data:`MAX_FACTOR_DEPTH` deep.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from pumpsafe.hazards.tree import FaultTree

TRUE = 0
"""The literal of the constant TRUE (node 0, not negated); ``FALSE = TRUE ^ 1``."""
FALSE = 1

_DUAL = {"and": "or", "or": "and"}


@dataclass(frozen=True)
class Gate:
    """A gate of a :class:`Formula`: ``op`` over argument literals (``k``: ATLEAST's vote)."""

    op: str
    args: tuple[int, ...]
    k: int = 0


@dataclass(frozen=True)
class Formula:
    """A preprocessed fault tree. Node 0 is the constant TRUE, nodes ``1..len(events)`` the
    basic events (node ``i + 1`` is ``events[i]``), larger numbers gates (each gate's arguments
    have smaller numbers). A literal is ``2 * node + negated``; ``root`` is the top event's."""

    events: tuple[str, ...]
    gates: dict[int, Gate]
    root: int

    def is_gate(self, node: int) -> bool:
        """True for a gate node (not the constant, not an event)."""
        return node > len(self.events)

    def event_of(self, node: int) -> str:
        """Name of the basic event at ``node``."""
        return self.events[node - 1]


class _Builder:
    """Makes simplified, hash-consed gates; ``inline`` says which gates may be merged."""

    def __init__(self, events: tuple[str, ...], inline: dict[int, Gate] | None = None) -> None:
        self.events = events
        self.gates: dict[int, Gate] = {}
        self.unique: dict[tuple[str, int, tuple[int, ...]], int] = {}
        self.inline = inline or {}
        self.next = len(events) + 1

    def make(self, op: str, args: list[int], k: int = 0) -> int:
        """The literal of ``op(args)`` after steps 2-6 of the module docstring."""
        if op in ("and", "or"):
            return self._and_or(op, args)
        if op == "xor":
            return self._xor(args)
        return self._atleast(args, k)

    def _merged(self, op: str, args: list[int]) -> list[int]:
        """Arguments with unshared same-type argument gates merged (coalescing, iterative)."""
        out: list[int] = []
        pending = list(reversed(args))
        while pending:
            a = pending.pop()
            gate = self.inline.get(a >> 1)
            if gate is not None:
                same = gate.op == op and not a & 1
                dual = a & 1 and gate.op == _DUAL.get(op)
                if same or dual:
                    flip = a & 1
                    pending.extend(reversed([b ^ flip for b in gate.args]))
                    continue
            out.append(a)
        return out

    def _and_or(self, op: str, args: list[int]) -> int:
        absorbing = FALSE if op == "and" else TRUE
        seen: set[int] = set()
        out: list[int] = []
        for a in self._merged(op, args):
            if a == absorbing ^ 1 or a in seen:
                continue
            if a == absorbing or a ^ 1 in seen:
                return absorbing
            seen.add(a)
            out.append(a)
        if not out:
            return absorbing ^ 1
        return out[0] if len(out) == 1 else self._gate(op, out, 0)

    def _xor(self, args: list[int]) -> int:
        flip = 0
        odd: dict[int, None] = {}  # insertion-ordered set of positive literals seen an odd time
        pending = list(reversed(args))
        while pending:
            a = pending.pop()
            flip ^= a & 1
            a &= ~1
            gate = self.inline.get(a >> 1)
            if gate is not None and gate.op == "xor":
                pending.extend(reversed(gate.args))
            elif a == TRUE:
                flip ^= 1
            elif a in odd:
                del odd[a]
            else:
                odd[a] = None
        out = list(odd)
        if not out:
            return FALSE ^ flip
        return (out[0] if len(out) == 1 else self._gate("xor", out, 0)) ^ flip

    def _atleast(self, args: list[int], k: int) -> int:
        out: list[int] = []
        for a in args:
            if a == TRUE:
                k -= 1
            elif a != FALSE:
                out.append(a)
        # A literal beside its negation: exactly one of the two is true.
        for a in sorted({a for a in out if not a & 1 and a ^ 1 in out}):
            while a in out and a ^ 1 in out:
                out.remove(a)
                out.remove(a ^ 1)
                k -= 1
        if k <= 0:
            return TRUE
        if k > len(out):
            return FALSE
        if k == 1:
            return self._and_or("or", out)
        if k == len(out):
            return self._and_or("and", out)
        return self._gate("atleast", out, k)

    def _gate(self, op: str, args: list[int], k: int) -> int:
        key = (op, k, tuple(sorted(args)))
        node = self.unique.get(key)
        if node is None:
            node = self.next
            self.next += 1
            self.unique[key] = node
            self.gates[node] = Gate(op, tuple(args), k)
        return 2 * node


def _from_tree(tree: FaultTree, top: str) -> Formula:
    """Steps 1-5: the tree as a formula (events numbered in depth-first post-order)."""
    postorder = list(nx.dfs_postorder_nodes(tree, top))
    events = tuple(n for n in postorder if tree.nodes[n]["kind"] == "basic")
    literal = {name: 2 * (i + 1) for i, name in enumerate(events)}
    builder = _Builder(events)
    for node in postorder:
        data = tree.nodes[node]
        if data["kind"] == "house":
            literal[node] = TRUE if data["state"] else FALSE
        elif data["kind"] == "gate":
            args = [literal[a] for a in tree.successors(node)]
            op = data["op"]
            if op == "not":
                literal[node] = args[0] ^ 1
            elif op in ("nand", "nor"):
                literal[node] = builder.make("and" if op == "nand" else "or", args) ^ 1
            else:
                literal[node] = builder.make(op, args, int(data.get("k") or 0))
    return _collect(builder, literal[top])


def _collect(builder: _Builder, root: int) -> Formula:
    """The formula of ``root``: gates renumbered children-first, unreachable ones dropped."""
    order = postorder_gates(builder.gates, root)
    number = {old: len(builder.events) + 1 + i for i, old in enumerate(order)}

    def renumber(lit: int) -> int:
        node = lit >> 1
        return 2 * number[node] + (lit & 1) if node in number else lit

    gates = {}
    for old in order:
        gate = builder.gates[old]
        gates[number[old]] = Gate(gate.op, tuple(renumber(a) for a in gate.args), gate.k)
    return Formula(builder.events, gates, renumber(root))


def postorder_gates(
    gates: dict[int, Gate], root: int, first: dict[int, int] | None = None
) -> list[int]:
    """Gates reachable from literal ``root``, each after its argument gates (iterative);
    ``first[g]`` is the argument node of gate ``g`` visited before its others."""
    first = first or {}
    order: list[int] = []
    done: set[int] = set()
    stack: list[tuple[int, bool]] = [(root >> 1, False)]
    while stack:
        node, expanded = stack.pop()
        if node in done or node not in gates:
            continue
        if expanded:
            done.add(node)
            order.append(node)
            continue
        stack.append((node, True))
        kids = [a >> 1 for a in gates[node].args]
        if node in first:
            kids.remove(first[node])
            kids.insert(0, first[node])
        stack.extend((k, False) for k in reversed(kids))
    return order


def is_negation_free(formula: Formula) -> bool:
    """True when no literal of ``formula`` is negated (a coherent function; the constant FALSE
    as root counts as coherent)."""
    if formula.root & 1 and formula.root != FALSE:
        return False
    return not any(a & 1 for gate in formula.gates.values() for a in gate.args)


def parent_counts(formula: Formula) -> dict[int, int]:
    """Number of uses of each gate node as an argument."""
    counts = dict.fromkeys(formula.gates, 0)
    for gate in formula.gates.values():
        for a in gate.args:
            if a >> 1 in counts:
                counts[a >> 1] += 1
    return counts


def _coalesce_once(formula: Formula) -> Formula:
    """Step 6 once: rebuild children-first, merging unshared argument gates of the same type."""
    parents = parent_counts(formula)
    builder = _Builder(formula.events)
    literal: dict[int, int] = {}

    def new(lit: int) -> int:
        return literal[lit >> 1] ^ (lit & 1) if lit >> 1 in literal else lit

    for node, gate in formula.gates.items():  # children first by construction
        args = [new(a) for a in gate.args]
        builder.inline = {
            b >> 1: builder.gates[b >> 1]
            for a, b in zip(gate.args, args, strict=True)
            if parents.get(a >> 1) == 1 and b >> 1 in builder.gates
        }
        literal[node] = builder.make(gate.op, args, gate.k)
    builder.inline = {}
    return _collect(builder, new(formula.root))


def preprocess(tree: FaultTree, top: str, max_passes: int = 8) -> Formula:
    """The formula of gate ``top`` of a validated ``tree`` after steps 1-6 (module docstring)."""
    return _coalesced(_from_tree(tree, top), max_passes)


def _coalesced(formula: Formula, max_passes: int = 8) -> Formula:
    for _ in range(max_passes):
        merged = _coalesce_once(formula)
        if len(merged.gates) == len(formula.gates):
            return merged
        formula = merged
    return formula


def factor_common_arguments(formula: Formula, max_passes: int = 4) -> Formula:
    """``formula`` after absorption and distributivity (steps 7 and 8 of the module
    docstring), each pass followed by coalescing, until a pass changes nothing."""
    for _ in range(max_passes):
        factored = _coalesced(_factor_once(formula))
        if factored == formula:
            break
        formula = factored
    return formula


MAX_FACTOR_DEPTH = 64
"""Distributivity nests a new gate inside a new gate at most this deep (it recurses)."""


def _factor_once(formula: Formula) -> Formula:
    """Steps 7 and 8 on every AND and OR gate, children first."""
    builder = _Builder(formula.events)
    literal: dict[int, int] = {}

    def new(lit: int) -> int:
        return literal[lit >> 1] ^ (lit & 1) if lit >> 1 in literal else lit

    for node, gate in formula.gates.items():
        args = [new(a) for a in gate.args]
        if gate.op in _DUAL:
            literal[node] = _factored(builder, gate.op, args, 0)
        else:
            literal[node] = builder.make(gate.op, args, gate.k)
    return _collect(builder, new(formula.root))


def _dual_arguments(builder: _Builder, lit: int, op: str) -> list[int] | None:
    """The arguments of literal ``lit`` read as a gate of the dual of ``op`` (an AND under an
    OR; a negated OR under an OR reads as the AND of the negated arguments), else None."""
    gate = builder.gates.get(lit >> 1)
    if gate is None:
        return None
    if not lit & 1 and gate.op == _DUAL[op]:
        return list(gate.args)
    if lit & 1 and gate.op == op:
        return [b ^ 1 for b in gate.args]
    return None


def _factored(builder: _Builder, op: str, args: list[int], depth: int) -> int:
    """The literal of ``op(args)`` with absorbed arguments dropped and the most shared
    literal of its dual-type arguments factored out, repeatedly (steps 7 and 8)."""
    dual = _DUAL[op]
    while True:
        views = {a: v for a in args if (v := _dual_arguments(builder, a, op)) is not None}
        direct = set(args)
        absorbed = {a for a, v in views.items() if direct.intersection(v)}
        if absorbed:
            args = [a for a in args if a not in absorbed]
            continue
        if depth >= MAX_FACTOR_DEPTH:
            break
        shared: dict[int, int] = {}
        for v in views.values():
            for b in set(v):
                shared[b] = shared.get(b, 0) + 1
        most = max(((n, -b) for b, n in shared.items() if n >= 2), default=None)
        if most is None:
            break
        common = -most[1]
        group = [a for a, v in views.items() if common in v]
        rests = [builder.make(dual, [b for b in views[a] if b != common]) for a in group]
        inner = _factored(builder, op, rests, depth + 1)
        args = [a for a in args if a not in group] + [builder.make(dual, [common, inner])]
    return builder.make(op, args)
