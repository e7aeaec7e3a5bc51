"""Tables of the hazard sections, prepared from a ``pumpsafe.hazards/1`` risk document.

The risk document is built by :func:`pumpsafe.pipeline.risk_file`; this module only arranges it
for the HTML template: the risk matrix before and after control (hazard IDs in their cells) and
the traceability matrix hazard → risk control → requirement → evidence, with row spans.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def risk_grid(risk: Mapping[str, Any], when: str) -> list[dict[str, Any]]:
    """Rows of the risk matrix ``when`` (``before``/``after``): most severe first, probability
    increasing left to right; each cell has its policy class and the hazard IDs in it."""
    policy = risk.get("risk_policy", {})
    severities = list(policy.get("severity", []))
    probabilities = list(policy.get("probability", []))
    matrix = policy.get("matrix", {})
    placed: dict[tuple[str, str], list[str]] = {}
    for hazard in risk.get("hazards", []):
        level = hazard.get(when) or {}
        key = (str(hazard.get("severity", "")), str(level.get("probability", "")))
        placed.setdefault(key, []).append(str(hazard.get("id", "")))
    rows = []
    for severity in reversed(severities):
        cells = [{"risk": str(matrix.get(severity, {}).get(p, "")),
                  "hazards": sorted(placed.get((severity, p), []))} for p in probabilities]
        rows.append({"severity": severity, "cells": cells})
    return rows


def _evidence_for(control: Mapping[str, Any], requirement: str) -> list[Mapping[str, Any]]:
    return [e for e in control.get("evidence", []) if e.get("requirement") == requirement]


def trace_rows(risk: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per (hazard, control, requirement); ``hazard_span``/``control_span`` are the
    HTML row spans of the first row of each group (0 on the rows they cover)."""
    rows: list[dict[str, Any]] = []
    for hazard in risk.get("hazards", []):
        first_of_hazard = len(rows)
        for control in hazard.get("controls", []) or [{}]:
            first_of_control = len(rows)
            requirements = list(control.get("requirements", [])) or [""]
            for requirement in requirements:
                rows.append({"hazard": hazard, "control": control, "requirement": requirement,
                             "evidence": _evidence_for(control, requirement),
                             "hazard_span": 0, "control_span": 0})
            rows[first_of_control]["control_span"] = len(rows) - first_of_control
        if len(rows) > first_of_hazard:
            rows[first_of_hazard]["hazard_span"] = len(rows) - first_of_hazard
    return rows


def matching_tree(entry: Mapping[str, Any], names: Mapping[tuple[str, str], str]) -> str | None:
    """The report's fault-tree section for a risk-file tree entry, matched on (file name, top)."""
    file = str(entry.get("file", "")).split("/")[-1].split(" ")[0]
    return names.get((file, str(entry.get("top", ""))))
