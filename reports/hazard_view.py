"""Tables of the hazard sections, prepared from a ``pumpsafe.hazards/1`` risk document.

The risk document is built by :func:`pumpsafe.pipeline.risk_file`; this module only arranges it
for the HTML template: the risk matrix before and after control (hazard IDs in their cells) and
the traceability matrix hazard → risk control → requirement → evidence, with row spans.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

_HAZARD_DEFAULTS: dict[str, Any] = {
    "id": "", "title": "", "sequence": [], "situation": "", "harm": "", "sources": [],
    "severity": "", "controls": [], "flagged": False, "flags": [], "fault_tree": None}
_CONTROL_DEFAULTS: dict[str, Any] = {"id": "", "kind": "", "text": "", "requirements": [],
                                     "evidence": [], "status": ""}
_EVIDENCE_DEFAULTS: dict[str, Any] = {"requirement": "", "verdict": "", "engine": "",
                                      "detail": ""}


def _filled(entry: Any, defaults: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(entry) if isinstance(entry, Mapping) else {}
    for key, value in defaults.items():
        if out.get(key) is None and value is not None:
            out[key] = copy.deepcopy(value)
        out.setdefault(key, value)
    return out


def _tree_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    out = _filled(entry, {"name": "", "hazard": "", "file": "", "top": "", "authored": None,
                          "derived": {}, "disagreement": {}})
    derived = _filled(out["derived"], {"complete": False, "complete_up_to": None, "note": "",
                                       "cut_sets": [], "status": "", "fta": None,
                                       "fault_free_violations": []})
    derived["note"] = derived["note"] or "; ".join(str(n) for n in derived.get("notes", []))
    derived["cut_sets"] = [_cut_set(c) for c in derived["cut_sets"]]
    out["derived"] = derived
    out["disagreement"] = _filled(out["disagreement"], {
        "missing_from_authored": [], "not_in_model": [], "outside_model": []})
    return out


def _cut_set(entry: Mapping[str, Any]) -> dict[str, Any]:
    out = _filled(entry, {"faults": [], "basic_events": [], "requirements": [], "trace": None})
    if not out["requirements"] and out.get("requirement"):
        out["requirements"] = [out["requirement"]]
    return out


def normalized(risk: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the risk document with every key the template reads present (defaults: empty);
    ``assumptions`` given as bare IDs become ``{"id", "text": ""}``; a cut set's single
    ``requirement`` becomes ``requirements``; ``notes`` of a derived tree become its ``note``."""
    out = _filled(risk, {"register": {}, "risk_policy": {}, "hazards": [], "fault_trees": [],
                         "assumptions": []})
    out["register"] = _filled(out["register"], {"path": "", "sha256": ""})
    out["risk_policy"] = _filled(out["risk_policy"], {"severity": [], "probability": [],
                                                      "matrix": {}})
    hazards = []
    for hazard in out["hazards"]:
        h = _filled(hazard, _HAZARD_DEFAULTS)
        for when in ("before", "after"):
            h[when] = _filled(h.get(when), {"probability": "", "risk": ""})
        h["controls"] = [_filled(c, _CONTROL_DEFAULTS) for c in h["controls"]]
        for c in h["controls"]:
            c["evidence"] = [_filled(e, _EVIDENCE_DEFAULTS) for e in c["evidence"]]
        hazards.append(h)
    out["hazards"] = hazards
    out["fault_trees"] = [_tree_entry(e) for e in out["fault_trees"]]
    out["assumptions"] = [a if isinstance(a, Mapping) else {"id": str(a), "text": ""}
                          for a in out["assumptions"]]
    return out


def risk_grid(risk: Mapping[str, Any], when: str) -> list[dict[str, Any]]:
    """Rows of the risk matrix ``when`` (``before``/``after``): most severe first, probability
    increasing left to right; each cell has its policy class and the hazard IDs in it (after
    control, a flagged hazard's ID carries ``*``: its claimed reduction is not proved)."""
    policy = risk.get("risk_policy", {})
    severities = list(policy.get("severity", []))
    probabilities = list(policy.get("probability", []))
    matrix = policy.get("matrix", {})
    placed: dict[tuple[str, str], list[str]] = {}
    for hazard in risk.get("hazards", []):
        level = hazard.get(when) or {}
        key = (str(hazard.get("severity", "")), str(level.get("probability", "")))
        # after control, a hazard whose pump control is not proved has not earned its place
        mark = "*" if when == "after" and hazard.get("flagged") else ""
        placed.setdefault(key, []).append(str(hazard.get("id", "")) + mark)
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
