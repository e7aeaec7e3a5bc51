"""Split a fault tree into readable diagrams and lay each out top-down.

Rules (IEC 61025 transfer symbols):

* a gate with several parents is drawn once, at its first occurrence (diagrams in order, depth
  first within a diagram, arguments in order); every other occurrence is a *transfer-in*
  triangle pointing at it;
* a diagram holds at most ``max_depth`` levels of gates below its root; a gate deeper than that
  starts a new diagram (its root carries a *transfer-out* triangle) and appears as a transfer-in;
* a diagram holds at most ``max_leaves`` leaves: while it has more, the smallest subtree whose
  removal makes it fit (else the largest subtree that fits in one diagram) moves to a diagram of
  its own. A single gate with more
  arguments than ``max_leaves`` is drawn wide rather than split (its arguments are one level);
* basic and house events are leaves and are drawn wherever they occur (a repeated event is the
  same event: the drawing marks it as repeated).

Layout: leaves take consecutive slots left to right, a gate is centred over its arguments, one
row per level (a simple tidy layout: subtrees never overlap, parents are centred). Everything is
deterministic: it depends only on the graph and the argument order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pumpsafe.hazards.tree import FaultTree, args_of, kind_of


@dataclass
class Placed:
    """One drawn occurrence: ``role`` is ``gate``, ``basic``, ``house``, ``undeveloped`` or
    ``transfer``; ``slot`` (x, in slot widths) and ``level`` (y, in rows) come from the layout."""

    node: str
    role: str
    children: list[Placed] = field(default_factory=list)
    slot: float = 0.0
    level: int = 0
    repeated: bool = False

    def walk(self) -> list[Placed]:
        """This occurrence and everything below it, depth first."""
        out: list[Placed] = []
        stack = [self]
        while stack:
            p = stack.pop()
            out.append(p)
            stack.extend(reversed(p.children))
        return out


@dataclass
class Diagram:
    """One diagram: its root occurrence, ``width`` in slots and ``depth`` in rows."""

    number: int
    root: Placed
    width: int = 0
    depth: int = 0


@dataclass(frozen=True)
class Split:
    """Every diagram of a tree, and where each gate is drawn (``home``: gate → diagram number)."""

    diagrams: list[Diagram]
    home: dict[str, int]


def _leaves(p: Placed) -> int:
    return 1 if not p.children else sum(_leaves(c) for c in p.children)


class _Splitter:
    def __init__(self, tree: FaultTree, max_depth: int, max_leaves: int) -> None:
        self.tree, self.max_depth, self.max_leaves = tree, max_depth, max_leaves
        self.home: dict[str, int] = {}
        self.roots: set[str] = set()
        self.repeated = {n for n, c in Counter(v for _u, v in tree.edges).items() if c > 1}

    def expand(self, root: str, number: int) -> tuple[Placed, set[str]]:
        """Draw ``root`` down to the limits; returns the drawing and the gates it placed."""
        placed: set[str] = set()

        def visit(node: str, depth: int) -> Placed:
            kind = kind_of(self.tree, node)
            if kind != "gate":
                role = kind if kind in ("basic", "house") else "undeveloped"
                return Placed(node, role, repeated=node in self.repeated)
            is_split = node != root and (node in self.roots or depth > self.max_depth)
            if is_split or node in self.home or node in placed:
                if node not in self.home and node not in placed:
                    self.roots.add(node)
                return Placed(node, "transfer")
            placed.add(node)
            return Placed(node, "gate", [visit(a, depth + 1) for a in args_of(self.tree, node)])

        return visit(root, 0), placed

    def diagram(self, root: str, number: int) -> Placed:
        """Expand ``root``, moving subtrees out until at most ``max_leaves`` leaves remain."""
        before, moved = set(self.roots), set[str]()
        while True:
            self.roots = before | moved
            drawn, placed = self.expand(root, number)
            if _leaves(drawn) <= self.max_leaves:
                break
            candidate = self._to_move(drawn)
            if candidate is None:
                break
            moved.add(candidate)
        for gate in placed:
            self.home[gate] = number
        return drawn

    def _to_move(self, drawn: Placed) -> str | None:
        """The smallest subtree whose removal makes the diagram fit; else the largest one that
        fits in a diagram of its own (ties: the alphabetically first name)."""
        sized = sorted((_leaves(p), p.node) for p in drawn.walk()[1:] if p.role == "gate")
        if not sized:
            return None
        excess = _leaves(drawn) - self.max_leaves
        enough = [s for s in sized if s[0] - 1 >= excess and s[0] <= self.max_leaves]
        if enough:
            return enough[0][1]
        fitting = [s for s in sized if s[0] <= self.max_leaves] or sized
        largest = fitting[-1][0]
        return next(name for size, name in fitting if size == largest)


def split_tree(tree: FaultTree, top: str, max_depth: int = 3, max_leaves: int = 8) -> Split:
    """The diagrams of the tree below ``top`` (see the module docstring); diagram 1 is ``top``."""
    splitter = _Splitter(tree, max_depth, max_leaves)
    diagrams: list[Diagram] = []
    queue, seen = [top], {top}
    splitter.roots.add(top)
    while queue:
        root = queue.pop(0)
        drawn = splitter.diagram(root, len(diagrams) + 1)
        diagrams.append(layout(Diagram(len(diagrams) + 1, drawn)))
        for p in drawn.walk():
            if p.role == "transfer" and p.node in splitter.roots and p.node not in seen:
                seen.add(p.node)
                queue.append(p.node)
    return Split(diagrams, splitter.home)


def layout(diagram: Diagram) -> Diagram:
    """Assign slots and levels: leaves left to right, gates centred over their arguments."""
    next_slot = 0
    deepest = 0

    def place(p: Placed, level: int) -> None:
        nonlocal next_slot, deepest
        p.level = level
        deepest = max(deepest, level)
        if not p.children:
            p.slot = float(next_slot)
            next_slot += 1
            return
        for c in p.children:
            place(c, level + 1)
        p.slot = (p.children[0].slot + p.children[-1].slot) / 2

    place(diagram.root, 0)
    diagram.width, diagram.depth = next_slot, deepest + 1
    return diagram
