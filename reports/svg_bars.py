"""Importance ranking as a horizontal SVG bar chart (Fussell-Vesely, diagnostic form).

The Fussell-Vesely measure used is ``P(event occurred | top event occurred)`` (see
:mod:`pumpsafe.hazards.importance`), so every bar lies on the same 0-1 scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pumpsafe.reports.svg import fit, sub, svg_root, text, titled, to_text

WIDTH = 760.0
NAME_W = 250.0
BAR_H = 18.0
MEASURE = "fussell_vesely"


def ranking(importance: Mapping[str, Mapping[str, Any]], limit: int) -> list[tuple[str, float]]:
    """The ``limit`` events of highest Fussell-Vesely importance (ties: name), undefined ones
    left out."""
    pairs = [(name, float(m[MEASURE])) for name, m in importance.items()
             if m.get(MEASURE) is not None]
    return sorted(pairs, key=lambda item: (-item[1], item[0]))[:limit]


def draw_importance(ranked: Sequence[tuple[str, float]], labels: Mapping[str, str],
                    title: str) -> str:
    """The bar chart of ``ranked`` (name, Fussell-Vesely) pairs."""
    height = 40 + len(ranked) * (BAR_H + 6) + 26
    root = svg_root(WIDTH, height, title, "importance")
    text(root, 8, 16, title, font_size=12.0, font_weight="bold", fill="#17202a")
    span = WIDTH - NAME_W - 80
    top = 32.0
    for k in range(5):
        x = NAME_W + span * k / 4
        sub(root, "path", d=f"M{x:.1f},{top - 4:.1f} V{top + len(ranked) * (BAR_H + 6):.1f}",
            stroke="#e3e8ec", stroke_width=0.8)
        text(root, x, height - 10, f"{k / 4:g}", text_anchor="middle", font_size=9.5,
             fill="#4a5d70")
    for i, (name, value) in enumerate(ranked):
        y = top + i * (BAR_H + 6)
        label = labels.get(name, "")
        shown, size = fit(name, NAME_W - 14, 10.5, 8.5)
        text(root, NAME_W - 8, y + 13, shown, text_anchor="end", font_size=size, fill="#17202a")
        tooltip = f"{name} — {label}" if label else name
        titled(root, "rect", f"{tooltip}: Fussell-Vesely {value:.4g}", x=NAME_W, y=y,
               width=max(span * min(value, 1.0), 1.0), height=BAR_H, fill="#2e86c1")
        text(root, NAME_W + span * min(value, 1.0) + 6, y + 13, f"{value:.3g}", font_size=10.0,
             fill="#17202a")
    return to_text(root)
