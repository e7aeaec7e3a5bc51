"""A counterexample's timeline as SVG, drawn from its ``pumpsafe.trace/1`` document.

The x axis is a **step axis**: one column per state (the initial state, then the state after each
step), evenly spaced whatever time passed in between, because one trace may hold a one-minute bolus
and a thirty-day infusion. Tick labels give the time since implant in readable units
(``45 min``, ``3 h 10 min``, ``12 d 4 h``). Panels, top to bottom: reservoir volume (actual and
what the pump believes, mL); drug delivered into the CSF in the current day window (µg) against the
device's hard daily maximum; and a lane of marks for what happened at each step: alarms raised,
fault moves and fault choices (pocket fill, wrong concentration, ...), clinician actions, and the
catheter's status. A red line marks the step at which the requirement is violated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from pumpsafe.reports.svg import num, sub, svg_root, text, titled, to_text

WIDTH = 920.0
LEFT = 78.0
RIGHT = 24.0
PANEL_H = 120.0
LANE_H = 22.0
CLINICIAN_RULES = frozenset({"refill", "program", "bolus", "clinician_review"})
CATHETER = {1: ("occluded", "#e67e22"), 2: ("leaking", "#f1c40f"), 3: ("dislodged", "#8e44ad")}
_LANES = ("alarms", "faults", "clinician", "catheter")


def format_minutes(minutes: int) -> str:
    """``0 min``, ``45 min``, ``3 h 10 min``, ``12 d 4 h`` (days of 1440 minutes)."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def nice_ceiling(value: float) -> float:
    """The smallest 4 × (1, 2, 2.5, 3, 4 or 5) × 10^k at least ``value`` (round quarter ticks)."""
    step = 10.0 ** math.floor(math.log10(value / 4))
    for factor in (1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 10.0):
        if 4 * step * factor >= value * (1 - 1e-9):
            return 4 * step * factor
    return 40 * step


def _param(doc: Mapping[str, Any], section: str, key: str) -> int | None:
    entry = doc.get(section, {}).get(key, {})
    value = entry.get("value", entry.get("max")) if isinstance(entry, dict) else None
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def fault_marks(step: Mapping[str, Any]) -> list[str]:
    """Fault moves and fault choices in one step (rule names and notable parameters)."""
    rule, params = str(step["rule"]), step.get("params", {})
    marks: list[str] = []
    if rule not in CLINICIAN_RULES and rule != "infuse":
        marks.append(rule)
    if params.get("into_pocket") is True:
        marks.append("pocket fill")
    if params.get("aspirate") is False:
        marks.append("no aspiration")
    entered, filled = params.get("entered_conc_ug_per_ml"), params.get("filled_conc_ug_per_ml")
    if entered is not None and filled is not None and entered != filled:
        marks.append(f"entered {entered} ≠ filled {filled} µg/mL")
    return marks


class _Plot:
    def __init__(self, trace: Mapping[str, Any], requirement: str) -> None:
        self.states: list[Mapping[str, Any]] = [trace["initial_state"]] + [
            s["state"] for s in trace["steps"]]
        self.steps: list[Mapping[str, Any]] = list(trace["steps"])
        self.requirement = requirement
        self.violation = (trace.get("violation") or {}).get("step")
        document = trace.get("device", {}).get("document", {})
        self.limit_ug = _param(document, "programming", "hard_max_daily_dose_ug")
        self.capacity_ul = _param(document, "reservoir", "capacity_ul")
        n = len(self.states)
        self.dx = (WIDTH - LEFT - RIGHT) / max(n - 1, 1)

    def x(self, i: int) -> float:
        return LEFT + (i * self.dx if len(self.states) > 1 else (WIDTH - LEFT - RIGHT) / 2)

    def draw(self) -> str:
        height = 56 + 2 * (PANEL_H + 34) + len(_LANES) * LANE_H + 64
        root = svg_root(WIDTH, height, f"Counterexample timeline of {self.requirement}",
                        "timeline")
        text(root, LEFT, 16, f"{self.requirement}: counterexample of {len(self.steps)} steps "
             "(x axis: one column per step, not to scale in time)", font_size=12.0,
             font_weight="bold", fill="#17202a")
        top = 56.0
        self.reservoir(root, top)
        top += PANEL_H + 34
        self.dose(root, top)
        top += PANEL_H + 34
        self.lanes(root, top)
        self.axis(root, top + len(_LANES) * LANE_H + 6)
        self.violation_line(root, 26.0, top + len(_LANES) * LANE_H)
        return to_text(root)

    def frame(self, root: ET.Element, top: float, title: str, hi: float, unit: str) -> None:
        sub(root, "rect", x=LEFT, y=top, width=WIDTH - LEFT - RIGHT, height=PANEL_H,
            fill="#fbfcfd", stroke="#b8c4ce", stroke_width=1.0)
        text(root, LEFT, top - 6, title, font_size=11.0, font_weight="bold", fill="#2c3e50")
        for k in range(5):
            value = hi * k / 4
            y = top + PANEL_H - PANEL_H * k / 4
            sub(root, "path", d=f"M{num(LEFT - 4)},{num(y)} H{num(WIDTH - RIGHT)}",
                stroke="#e3e8ec" if k else "#b8c4ce", stroke_width=0.8)
            text(root, LEFT - 7, y + 3.5, f"{value:g} {unit}", text_anchor="end",
                 font_size=9.5, fill="#4a5d70")

    def y(self, top: float, value: float, hi: float) -> float:
        return top + PANEL_H - PANEL_H * min(value, hi) / hi

    def series(self, root: ET.Element, top: float, values: Sequence[float], hi: float,
               colour: str, name: str, dash: str = "") -> None:
        points = " ".join(f"{num(self.x(i))},{num(self.y(top, v, hi))}"
                          for i, v in enumerate(values))
        attrs: dict[str, str | float] = {"points": points, "fill": "none", "stroke": colour,
                                         "stroke_width": 2.0}
        if dash:
            attrs["stroke_dasharray"] = dash
        sub(root, "polyline", **attrs)
        for i, v in enumerate(values):
            titled(root, "circle", f"{name} at step {i}: {v:.6g}", cx=self.x(i),
                   cy=self.y(top, v, hi), r=2.6, fill=colour)

    def legend(self, root: ET.Element, top: float, items: Sequence[tuple[str, str, str]]
               ) -> None:
        x = WIDTH - RIGHT - 8
        for label, colour, dash in reversed(items):
            width = 7.0 * len(label) + 30
            x -= width
            attrs: dict[str, str | float] = {"d": f"M{num(x)},{num(top - 9)} h20",
                                             "stroke": colour, "stroke_width": 2.5}
            if dash:
                attrs["stroke_dasharray"] = dash
            sub(root, "path", **attrs)
            text(root, x + 24, top - 5, label, font_size=10.0, fill="#2c3e50")

    def reservoir(self, root: ET.Element, top: float) -> None:
        actual = [int(s["reservoir_ul"]) / 1000 for s in self.states]
        believed = [int(s["believed_reservoir_ul"]) / 1000 for s in self.states]
        hi = nice_ceiling(max([*actual, *believed, (self.capacity_ul or 0) / 1000, 0.001]))
        self.frame(root, top, "Reservoir volume (mL)", hi, "mL")
        self.series(root, top, believed, hi, "#7f8c8d", "believed", "5 3")
        self.series(root, top, actual, hi, "#1f6fb2", "actual")
        self.legend(root, top, [("actual (reservoir_ul)", "#1f6fb2", ""),
                                ("believed by the pump", "#7f8c8d", "5 3")])

    def dose(self, root: ET.Element, top: float) -> None:
        dose = [int(s["delivered_day_ng"]) / 1000 for s in self.states]
        limit = self.limit_ug
        hi = nice_ceiling(max([*dose, (limit or 0) * 1.1, 1.0]))
        self.frame(root, top, "Drug into the CSF in the current day window (µg)", hi, "µg")
        if limit is not None:
            y = self.y(top, limit, hi)
            sub(root, "path", d=f"M{num(LEFT)},{num(y)} H{num(WIDTH - RIGHT)}", stroke="#c0392b",
                stroke_width=1.5, stroke_dasharray="6 4")
            text(root, LEFT + 4, y - 4, f"hard daily maximum {limit} µg", font_size=9.5,
                 fill="#c0392b")
        self.series(root, top, dose, hi, "#16a085", "delivered in day window")

    def lanes(self, root: ET.Element, top: float) -> None:
        for k, lane in enumerate(_LANES):
            y = top + k * LANE_H
            sub(root, "rect", x=LEFT, y=y, width=WIDTH - LEFT - RIGHT, height=LANE_H - 2,
                fill="#f4f6f8" if k % 2 == 0 else "#ffffff")
            text(root, LEFT - 7, y + 14, lane, text_anchor="end", font_size=10.0,
                 fill="#2c3e50")
        for i, state in enumerate(self.states):
            previous = self.states[i - 1] if i else {}
            raised = [k.removeprefix("alarm_") for k, v in sorted(state.items())
                      if k.startswith("alarm_") and v is True and previous.get(k) is not True]
            step = self.steps[i - 1] if i else None
            faults = fault_marks(step) if step else []
            clinician = [str(step["rule"])] if step and step["rule"] in CLINICIAN_RULES else []
            for k, marks in enumerate((raised, faults, clinician)):
                self.marks(root, top + k * LANE_H, i, marks, ("#c0392b", "#8e44ad", "#2471a3")[k])
            status = int(state.get("catheter", 0))
            if status in CATHETER:
                label, colour = CATHETER[status]
                titled(root, "rect", f"catheter {label} at step {i}",
                       x=self.x(i) - min(self.dx, 40) / 2, y=top + 3 * LANE_H + 3,
                       width=min(self.dx, 40), height=LANE_H - 8, fill=colour)

    def marks(self, root: ET.Element, y: float, i: int, marks: Sequence[str], colour: str) -> None:
        if not marks:
            return
        cx = self.x(i)
        titled(root, "path", ", ".join(marks), d=f"M{num(cx)},{num(y + 4)} l5,6 l-5,6 l-5,-6 Z",
               fill=colour)
        if len(self.states) <= 24:
            right = cx > WIDTH * 0.7
            text(root, cx - 8 if right else cx + 8, y + 14, ", ".join(marks), font_size=9.5,
                 fill=colour, text_anchor="end" if right else "start")

    def axis(self, root: ET.Element, y: float) -> None:
        n = len(self.states)
        stride = max(1, -(-n // 10))
        for i in range(0, n, stride):
            x = self.x(i)
            sub(root, "path", d=f"M{num(x)},{num(y - 4)} v6", stroke="#4a5d70", stroke_width=1.0)
            text(root, x, y + 12, f"step {i}", text_anchor="middle", font_size=9.5,
                 fill="#4a5d70")
            text(root, x, y + 25, format_minutes(int(self.states[i]["t_min"])),
                 text_anchor="middle", font_size=9.5, fill="#17202a")
        text(root, LEFT, y + 44, "time since implant under each step (the axis is not to scale "
             "in time)", font_size=9.5, fill="#4a5d70")

    def violation_line(self, root: ET.Element, top: float, bottom: float) -> None:
        if not isinstance(self.violation, int):
            return
        x = self.x(min(self.violation, len(self.states) - 1))
        sub(root, "path", d=f"M{num(x)},{num(top)} V{num(bottom)}", stroke="#c0392b",
            stroke_width=1.5)
        right = x > WIDTH * 0.7
        text(root, x - 5 if right else x + 5, top + 10, f"{self.requirement} violated here",
             text_anchor="end" if right else "start",
             font_size=10.0, font_weight="bold", fill="#c0392b")


def draw_timeline(trace: Mapping[str, Any], requirement: str) -> str:
    """The SVG timeline of a ``pumpsafe.trace/1`` document violating ``requirement``."""
    return _Plot(trace, requirement).draw()
