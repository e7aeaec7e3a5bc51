"""The ``<label>`` texts of an Open-PSA MEF file (the fault-tree reader ignores them).

A label is the human description of a gate, basic event or house event; the diagrams print it
under the node's name.
"""

from __future__ import annotations

from pathlib import Path

from pumpsafe.hazards.safe_xml import Element, parse_file

_DEFINITIONS = ("define-gate", "define-basic-event", "define-house-event")


def read_labels(path: str | Path) -> dict[str, str]:
    """Label of every labelled definition in the file, by name (whitespace collapsed)."""
    labels: dict[str, str] = {}
    stack: list[Element] = [parse_file(Path(path))]
    while stack:
        element = stack.pop()
        if element.tag in _DEFINITIONS:
            name = element.attrib.get("name", "").strip()
            for child in element.children:
                if child.tag == "label" and name:
                    labels[name] = " ".join(child.text.split())
        stack.extend(element.children)
    return labels
