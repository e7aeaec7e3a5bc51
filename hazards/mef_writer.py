"""Write a fault-tree graph as an Open-PSA MEF file that SCRAM and :func:`read_mef` read back.

Anonymous gates (nested formulas) are written inline inside their parent; a one-argument AND or
OR is written as a bare reference (a pass-through gate, which SCRAM accepts and reads back as the
same gate). Output is deterministic: definitions sorted by name, attributes in a fixed order.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from pumpsafe.hazards.tree import Constant, Exponential, FaultTree

_TAG = {"gate": "gate", "basic": "basic-event", "house": "house-event"}


def _formula(tree: FaultTree, gate: str, indent: str) -> list[str]:
    data = tree.nodes[gate]
    args = list(tree.successors(gate))
    if data["op"] in ("and", "or") and len(args) == 1:
        return _argument(tree, args[0], indent)
    extra = f' min="{data["k"]}"' if data["op"] == "atleast" else ""
    lines = [f"{indent}<{data['op']}{extra}>"]
    for arg in args:
        lines.extend(_argument(tree, arg, indent + "  "))
    lines.append(f"{indent}</{data['op']}>")
    return lines


def _argument(tree: FaultTree, node: str, indent: str) -> list[str]:
    data = tree.nodes[node]
    if data["kind"] == "gate" and data.get("anonymous"):
        return _formula(tree, node, indent)
    if data["kind"] == "house" and "#" in node:
        return [f'{indent}<constant value="{str(data["state"]).lower()}"/>']
    return [f"{indent}<{_TAG[data['kind']]} name={quoteattr(node)}/>"]


def _expression(data: dict[str, object], indent: str) -> list[str]:
    model = data["model"]
    if isinstance(model, Constant):
        return [f'{indent}<float value="{model.probability!r}"/>']
    assert isinstance(model, Exponential)
    time = (
        "<system-mission-time/>" if model.time_h is None else f'<float value="{model.time_h!r}"/>'
    )
    return [
        f"{indent}<exponential>",
        f'{indent}  <float value="{model.rate_per_h!r}"/>',
        f"{indent}  {time}",
        f"{indent}</exponential>",
    ]


def _label(data: dict[str, object], indent: str) -> list[str]:
    label = data.get("label")
    return [f"{indent}<label>{escape(str(label))}</label>"] if label else []


def mef_text(tree: FaultTree, name: str = "pumpsafe") -> str:
    """The MEF document of ``tree`` as text (one fault tree named ``name``, then model data)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<opsa-mef>"]
    lines.append(f"  <define-fault-tree name={quoteattr(name)}>")
    for node in sorted(tree.nodes):
        data = tree.nodes[node]
        if data["kind"] == "gate" and not data.get("anonymous"):
            lines.append(f"    <define-gate name={quoteattr(node)}>")
            lines.extend(_label(data, "      "))
            lines.extend(_formula(tree, node, "      "))
            lines.append("    </define-gate>")
    lines.append("  </define-fault-tree>")
    lines.append("  <model-data>")
    for node in sorted(tree.nodes):
        data = tree.nodes[node]
        if data["kind"] == "basic":
            lines.append(f"    <define-basic-event name={quoteattr(node)}>")
            lines.extend(_label(data, "      "))
            lines.extend(_expression(data, "      "))
            lines.append("    </define-basic-event>")
        elif data["kind"] == "house" and "#" not in node:
            lines.append(f"    <define-house-event name={quoteattr(node)}>")
            lines.extend(_label(data, "      "))
            lines.append(f'      <constant value="{str(data["state"]).lower()}"/>')
            lines.append("    </define-house-event>")
    lines.extend(["  </model-data>", "</opsa-mef>"])
    return "\n".join(lines) + "\n"


def write_mef(tree: FaultTree, path: str | Path, name: str = "pumpsafe") -> None:
    """Write ``tree`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent or ".", prefix=".mef-", suffix=".xml")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(mef_text(tree, name))
    os.replace(temporary, target)
