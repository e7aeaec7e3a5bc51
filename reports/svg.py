"""Small helpers to build SVG with ElementTree: every text and attribute is escaped on output.

Diagrams are built as element trees, never by pasting strings, so a name such as
``<script>`` stays text. Coordinates are written with at most one decimal, so output is stable.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


def num(x: float) -> str:
    """``x`` with at most one decimal and no trailing zeros (``12``, ``12.5``)."""
    text = f"{x:.1f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text == "-0" else text


def svg_root(width: float, height: float, title: str, css_class: str) -> ET.Element:
    """An ``<svg>`` of the given natural size, scalable (viewBox), with an accessible title."""
    root = ET.Element("svg", {
        "xmlns": "http://www.w3.org/2000/svg", "class": css_class, "role": "img",
        "width": num(width), "height": num(height), "viewBox": f"0 0 {num(width)} {num(height)}",
        "font-family": FONT,
    })
    ET.SubElement(root, "title").text = title
    return root


def sub(parent: ET.Element, tag: str, **attrs: str | float) -> ET.Element:
    """A child element; float attributes are formatted with :func:`num`, ``_`` in names → ``-``
    (``stroke_width`` → ``stroke-width``); a trailing ``_`` is dropped (``class_`` → ``class``)."""
    clean = {k.rstrip("_").replace("_", "-"): (num(v) if isinstance(v, float | int) else v)
             for k, v in attrs.items()}
    return ET.SubElement(parent, tag, clean)


def text(parent: ET.Element, x: float, y: float, content: str, **attrs: str | float
         ) -> ET.Element:
    """A ``<text>`` element holding ``content`` as text (escaped on output)."""
    element = sub(parent, "text", x=x, y=y, **attrs)
    element.text = content
    return element


def titled(parent: ET.Element, tag: str, tooltip: str, **attrs: str | float) -> ET.Element:
    """An element with a ``<title>`` child (the browser's tooltip)."""
    element = sub(parent, tag, **attrs)
    ET.SubElement(element, "title").text = tooltip
    return element


def to_text(root: ET.Element) -> str:
    """The SVG as text (no XML declaration: it is inlined into HTML)."""
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def clip(label: str, limit: int) -> str:
    """``label`` cut to ``limit`` characters with an ellipsis."""
    return label if len(label) <= limit else label[: max(limit - 1, 1)] + "…"


def wrap(label: str, width: int, lines: int) -> list[str]:
    """Greedy word wrap to at most ``lines`` lines of ``width`` characters (ellipsis if cut)."""
    out: list[str] = []
    for word in label.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1:])]
    return [clip(line, width) for line in out]


def text_width(label: str, size: float, bold: bool = False) -> float:
    """Estimated width in px of ``label`` in DejaVu Sans at ``size`` px (capitals and digits are
    wider than lower case), for fitting text into boxes without a font engine."""
    em = sum(0.7 if c.isupper() or c.isdigit() or c in "_@%#&" else
             0.32 if c in " .,:;!|il'" else 0.58 for c in label)
    return em * size * (1.08 if bold else 1.0)


def fit(label: str, width: float, size: float, smallest: float, bold: bool = False
        ) -> tuple[str, float]:
    """``label`` and a font size at most ``size`` (not below ``smallest``) so that it fits in
    ``width`` px, clipped with an ellipsis when even ``smallest`` is too large."""
    needed = text_width(label, size, bold)
    if needed <= width:
        return label, size
    scaled = max(smallest, round(size * width / needed, 1))
    while text_width(label, scaled, bold) > width and len(label) > 2:
        label = label[:-2] + "…"
    return label, scaled
