"""Fault-tree diagrams as inline SVG (IEC 61025 symbols), split by :mod:`tree_layout`.

Every occurrence is a description box (name, label, probability) above its symbol; arguments hang
from an orthogonal bus under their gate. A transfer-in triangle links to the diagram (and node)
where the gate is drawn; the root of a continued diagram carries a transfer-out triangle. Ids are
``<tree id>-<node>`` (:func:`pumpsafe.reports.svg_ids.stable_ids`) on the one drawn occurrence of
each gate and the first occurrence of each event; diagrams are ``<tree id>-d<number>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from pumpsafe.hazards.tree import FaultTree, args_of
from pumpsafe.reports.svg import fit, sub, svg_root, text, titled, to_text, wrap
from pumpsafe.reports.svg_ids import stable_ids
from pumpsafe.reports.svg_symbols import (
    SYMBOL_H,
    event_symbol,
    gate_symbol,
    transfer_triangle,
)
from pumpsafe.reports.tree_layout import Diagram, Placed, Split, split_tree

SLOT_W = 172.0
BOX_W = 158.0
BOX_H = 64.0
GAP = 8.0
ROW_H = BOX_H + GAP + SYMBOL_H + 30.0
MARGIN = 12.0
LABEL_CHARS = 26
_OP_WORDS = {"and": "AND gate", "or": "OR gate", "xor": "XOR gate", "not": "NOT gate",
             "nand": "NAND gate", "nor": "NOR gate"}


@dataclass(frozen=True)
class TreeFigures:
    """What the boxes say: labels (descriptions) and probabilities by node name."""

    labels: Mapping[str, str]
    probabilities: Mapping[str, float]


@dataclass(frozen=True)
class DiagramSvg:
    """One drawn diagram: its number, root gate, HTML id, node count and SVG text."""

    number: int
    root: str
    id: str
    nodes: int
    svg: str


def format_probability(p: float | None) -> str:
    """A probability in three significant digits (``1.17e-03``, ``0.25``), ``–`` if unknown."""
    if p is None:
        return "–"
    if p == 0 or p >= 0.01:
        return f"{p:.3g}"
    return f"{p:.2e}"


def describe_gate(tree: FaultTree, gate: str) -> str:
    """``OR gate``, ``2-of-3 voting gate``, ... ."""
    data = tree.nodes[gate]
    if data["op"] == "atleast":
        return f"{data['k']}-of-{len(args_of(tree, gate))} voting gate"
    return _OP_WORDS.get(str(data["op"]), str(data["op"]))


class _Painter:
    def __init__(self, tree: FaultTree, figures: TreeFigures, tree_id: str, split: Split) -> None:
        self.tree, self.figures, self.tree_id, self.split = tree, figures, tree_id, split
        self.ids = stable_ids(tree.nodes, tree_id)
        self.given: set[str] = set()

    def centre(self, p: Placed) -> tuple[float, float]:
        return MARGIN + p.slot * SLOT_W + SLOT_W / 2, MARGIN + p.level * ROW_H

    def diagram(self, d: Diagram) -> DiagramSvg:
        width = MARGIN * 2 + max(d.width, 1) * SLOT_W
        height = MARGIN * 2 + d.depth * ROW_H - 24
        title = f"Fault tree diagram {d.number}: {d.root.node}"
        root = svg_root(width, height, title, "fault-tree")
        edges = sub(root, "g", class_="ft-edges", fill="none", stroke="#4a5d70",
                    stroke_width=1.2)
        nodes = sub(root, "g", class_="ft-nodes")
        occurrences = d.root.walk()
        for p in occurrences:
            self.edges(edges, p)
            self.node(nodes, p, is_root=p is d.root and d.number > 1)
        return DiagramSvg(d.number, d.root.node, f"{self.tree_id}-d{d.number}",
                          len(occurrences), to_text(root))

    def edges(self, parent: ET.Element, p: Placed) -> None:
        if not p.children:
            return
        cx, top = self.centre(p)
        bus = top + ROW_H - 16
        sub(parent, "path", d=f"M{cx:.1f},{top + BOX_H + GAP + SYMBOL_H:.1f} V{bus:.1f}")
        xs = [self.centre(c)[0] for c in p.children]
        if len(xs) > 1:
            sub(parent, "path", d=f"M{xs[0]:.1f},{bus:.1f} H{xs[-1]:.1f}")
        for x in xs:
            sub(parent, "path", d=f"M{x:.1f},{bus:.1f} V{top + ROW_H:.1f}")

    def node(self, parent: ET.Element, p: Placed, is_root: bool) -> None:
        cx, top = self.centre(p)
        attrs: dict[str, str] = {"class_": f"ft-node ft-{p.role}"}
        if p.role != "transfer" and p.node not in self.given:
            self.given.add(p.node)
            attrs["id"] = self.ids[p.node]
        group = titled(parent, "g", self.tooltip(p), **attrs)
        target = self.link(group, p)
        sub(target, "rect", x=cx - BOX_W / 2, y=top, width=BOX_W, height=BOX_H, rx=3.0,
            fill="#ffffff", stroke="#1f3b57", stroke_width=1.0)
        sub(target, "path", d=f"M{cx:.1f},{top + BOX_H:.1f} V{top + BOX_H + GAP:.1f}",
            stroke="#4a5d70", stroke_width=1.2)
        for i, (line, cls) in enumerate(self.lines(p)):
            bold = i == 0
            shown, size = fit(line, BOX_W - 8, 12.0 if bold else 10.5, 9.0 if bold else 8.5,
                              bold)
            text(target, cx, top + 16 + i * 14.5, shown, text_anchor="middle", font_size=size,
                 font_weight="bold" if bold else "normal", class_=cls,
                 fill="#17202a" if bold else "#34495e")
        symbol_top = top + BOX_H + GAP
        if p.role == "gate":
            data = self.tree.nodes[p.node]
            vote = f"{data['k']}/{len(args_of(self.tree, p.node))}" if data["op"] == "atleast" \
                else ""
            gate_symbol(target, str(data["op"]), cx, symbol_top, vote)
            if is_root:
                sub(target, "path", d=f"M{cx + 20:.1f},{symbol_top + 18:.1f} h18",
                    stroke="#4a5d70", stroke_width=1.2)
                transfer_triangle(target, cx + 38, symbol_top + 4, 26.0)
        else:
            event_symbol(target, p.role, cx, symbol_top)

    def link(self, group: ET.Element, p: Placed) -> ET.Element:
        if p.role != "transfer":
            return group
        number = self.split.home.get(p.node)
        href = f"#{self.ids[p.node]}" if number is not None else f"#{self.tree_id}-d?"
        return sub(group, "a", href=href)

    def lines(self, p: Placed) -> list[tuple[str, str]]:
        name = p.node if "#" not in p.node else "(nested formula)"
        out = [(name, "ft-name")]
        label = self.figures.labels.get(p.node, "")
        if p.role == "transfer":
            number = self.split.home.get(p.node)
            out.append((f"transfer: see diagram {number}", "ft-label"))
            return out
        if not label and p.role == "gate":
            label = describe_gate(self.tree, p.node)
        out.extend((line, "ft-label") for line in wrap(label, LABEL_CHARS, 2))
        probability = self.figures.probabilities.get(p.node)
        if probability is not None or p.role == "basic":
            marker = " (repeated)" if p.repeated else ""
            out.append((f"P = {format_probability(probability)}{marker}", "ft-prob"))
        return out

    def tooltip(self, p: Placed) -> str:
        label = self.figures.labels.get(p.node, "")
        parts = [p.node, label, f"P = {format_probability(self.figures.probabilities.get(p.node))}"]
        return " — ".join(part for part in parts if part)


def draw_tree(tree: FaultTree, top: str, figures: TreeFigures, tree_id: str,
              max_depth: int = 3, max_leaves: int = 7) -> list[DiagramSvg]:
    """Every diagram of the tree under ``top`` as SVG text (diagram 1 holds the top event)."""
    split = split_tree(tree, top, max_depth, max_leaves)
    painter = _Painter(tree, figures, tree_id, split)
    return [painter.diagram(d) for d in split.diagrams]
