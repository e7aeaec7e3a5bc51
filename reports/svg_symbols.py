"""IEC 61025 fault-tree symbols as SVG shapes, each drawn in a box ``SYMBOL_W`` × ``SYMBOL_H``
whose top centre is (cx, top).

AND (flat base, round top), OR (curved shield), k-of-n voting (OR shape with ``k/n``), XOR (OR
with a second base curve), NOT (triangle with an inversion bubble), NAND/NOR (AND/OR with the
bubble), basic event (circle), house event (house), undeveloped event (diamond), transfer
(triangle).
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from pumpsafe.reports.svg import num, sub, text

SYMBOL_W = 40.0
SYMBOL_H = 36.0
_STROKE: dict[str, str | float] = {"stroke": "#1f3b57", "stroke_width": 1.4}


def _path(parent: ET.Element, d: str, fill: str) -> None:
    sub(parent, "path", d=d, fill=fill, **_STROKE)


def _and(parent: ET.Element, cx: float, top: float) -> None:
    r = SYMBOL_W / 2 - 2
    base = top + SYMBOL_H
    _path(parent, f"M{num(cx - r)},{num(base)} V{num(top + r)} A{num(r)},{num(r)} 0 0 1 "
          f"{num(cx + r)},{num(top + r)} V{num(base)} Z", "#e8f0fb")


def _or(parent: ET.Element, cx: float, top: float, base_lift: float = 0.0) -> None:
    r = SYMBOL_W / 2 - 2
    base = top + SYMBOL_H - base_lift
    _path(parent, f"M{num(cx - r)},{num(base)} Q{num(cx - r)},{num(top + 12)} {num(cx)},{num(top)}"
          f" Q{num(cx + r)},{num(top + 12)} {num(cx + r)},{num(base)} Q{num(cx)},{num(base - 10)}"
          f" {num(cx - r)},{num(base)} Z", "#e8f0fb")


def _bubble(parent: ET.Element, cx: float, top: float) -> None:
    sub(parent, "circle", cx=cx, cy=top - 4.0, r=4.0, fill="#ffffff", **_STROKE)


def gate_symbol(parent: ET.Element, op: str, cx: float, top: float, vote: str = "") -> None:
    """Draw the symbol of gate operator ``op``; ``vote`` is the ``k/n`` text of an atleast gate."""
    if op in ("and", "nand"):
        _and(parent, cx, top)
    elif op == "xor":
        _or(parent, cx, top, base_lift=5.0)
        r = SYMBOL_W / 2 - 2
        base = top + SYMBOL_H
        sub(parent, "path", d=f"M{num(cx - r)},{num(base)} Q{num(cx)},{num(base - 10)} "
            f"{num(cx + r)},{num(base)}", fill="none", **_STROKE)
    elif op == "not":
        _path(parent, f"M{num(cx - 15)},{num(top + SYMBOL_H)} L{num(cx)},{num(top + 6)} "
              f"L{num(cx + 15)},{num(top + SYMBOL_H)} Z", "#e8f0fb")
        sub(parent, "circle", cx=cx, cy=top + 3.0, r=3.5, fill="#ffffff", **_STROKE)
    else:
        _or(parent, cx, top)
    if op in ("nand", "nor"):
        _bubble(parent, cx, top)
    label = {"and": "", "or": "", "atleast": vote, "xor": "XOR", "not": "",
             "nand": "", "nor": ""}.get(op, op.upper())
    if label:
        text(parent, cx, top + SYMBOL_H - 9, label, text_anchor="middle", font_size=10.0,
             font_weight="bold", fill="#1f3b57")


def event_symbol(parent: ET.Element, role: str, cx: float, top: float) -> None:
    """Draw a basic (circle), house (house), undeveloped (diamond) or transfer (triangle) event."""
    mid = top + SYMBOL_H / 2
    if role == "basic":
        sub(parent, "circle", cx=cx, cy=mid, r=SYMBOL_H / 2 - 1, fill="#fff4e0", **_STROKE)
    elif role == "house":
        _path(parent, f"M{num(cx - 16)},{num(top + SYMBOL_H)} V{num(top + 14)} L{num(cx)},"
              f"{num(top)} L{num(cx + 16)},{num(top + 14)} V{num(top + SYMBOL_H)} Z", "#eef7ea")
    elif role == "transfer":
        transfer_triangle(parent, cx, top)
    else:
        _path(parent, f"M{num(cx)},{num(top)} L{num(cx + 20)},{num(mid)} L{num(cx)},"
              f"{num(top + SYMBOL_H)} L{num(cx - 20)},{num(mid)} Z", "#f3f3f3")


def transfer_triangle(parent: ET.Element, cx: float, top: float, size: float = 32.0) -> None:
    """An upward transfer triangle of height ``size`` with its apex at (cx, top)."""
    half = size * 0.6
    _path(parent, f"M{num(cx)},{num(top)} L{num(cx + half)},{num(top + size)} "
          f"L{num(cx - half)},{num(top + size)} Z", "#fdf1f1")
