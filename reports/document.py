"""The report as one JSON-ready document (``pumpsafe.report/1``, docs/report-json.md).

Every other format is rendered from this document (plus the fault-tree graphs for diagrams), so
the HTML, PDF, Markdown and JSON always agree. It holds no wall-clock time (``time_s`` of verdicts
and analyses goes to ``timings.json``) and no absolute path; the only date is
``generated.date``, set from ``SOURCE_DATE_EPOCH`` when that is set.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pumpsafe.model.device import Device
from pumpsafe.proofs.verify import Options, Report, Verdict
from pumpsafe.reports.fault_trees import AnalyzedTree
from pumpsafe.reports.provenance import (
    assumptions,
    device_parameters,
    device_path,
    tool_versions,
)
from pumpsafe.reports.verify_output import verdict_json

SCHEMA = "pumpsafe.report/1"


@dataclass(frozen=True)
class ReportInputs:
    """Everything one report is made of."""

    device: Device
    verification: Report
    options: Options
    trees: Sequence[AnalyzedTree]
    hazards: Mapping[str, Any] | None
    hazards_note: str = ""
    source_date_epoch: int | None = None


def exit_code(verification: Report) -> int:
    """The report's exit code: verify's (0 all proved, 1 violated/vacuous, 3 unknown)."""
    return verification.exit_code()


def requirement_entry(v: Verdict, device: Device) -> dict[str, Any]:
    """verify's JSON entry of one requirement, without its time and with a display path."""
    entry = {k: value for k, value in verdict_json(v).items() if k != "time_s"}
    trace = entry.get("trace")
    if isinstance(trace, dict):
        trace["device"]["path"] = device_path(device)
    return entry


def tree_entry(t: AnalyzedTree) -> dict[str, Any]:
    """One fault tree: where it comes from and every figure of its analysis."""
    gates = {n: p for n, p in sorted(t.probabilities.items())
             if t.tree.nodes[n].get("kind") == "gate"}
    return {"name": t.name, "file": t.file, "sha256": t.sha256, "top": t.top,
            "mission_time_h": t.mission_time_h, "nodes": t.tree.number_of_nodes(),
            "analysis": dict(t.document), "cut_sets_ranked": t.ranked_sets,
            "gate_probabilities": gates, "labels": dict(sorted(t.labels.items()))}


def _date(epoch: int | None) -> str | None:
    if epoch is None:
        return None
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _inputs(ri: ReportInputs) -> dict[str, Any]:
    register = (ri.hazards or {}).get("register")
    trees = sorted({(t.file, t.sha256) for t in ri.trees})
    return {"device": {"path": device_path(ri.device), "sha256": ri.device.sha256},
            "register": dict(register) if isinstance(register, Mapping) else None,
            "trees": [{"path": path, "sha256": digest} for path, digest in trees]}


def _verification(ri: ReportInputs) -> dict[str, Any]:
    report, opts = ri.verification, ri.options
    return {
        "options": {"engine": opts.engine, "timeout_s": opts.timeout_s, "depth": opts.depth,
                    "only": list(opts.only), "sanity": opts.sanity},
        "summary": report.counts(),
        "exit_code": report.exit_code(),
        "sanity": {"status": report.sanity_status,
                   "witness_depth": dict(sorted(report.sanity.items())),
                   "disabled": list(report.sanity_disabled)},
        "requirements": [requirement_entry(v, ri.device) for v in report.verdicts],
    }


def build_document(ri: ReportInputs) -> dict[str, Any]:
    """The ``pumpsafe.report/1`` document (see docs/report-json.md)."""
    device = ri.device
    return {
        "schema": SCHEMA,
        "generated": {"by": "pumpsafe report", "date": _date(ri.source_date_epoch)},
        "exit_code": exit_code(ri.verification),
        "inputs": _inputs(ri),
        "tools": tool_versions(),
        "device": {"name": device.name, "description": device.description,
                   "parameters": device_parameters(device),
                   "faults": dict(sorted(device.faults.items())),
                   "assumptions": assumptions(device)},
        "verification": _verification(ri),
        "fault_trees": [tree_entry(t) for t in ri.trees],
        "hazards": dict(ri.hazards) if ri.hazards is not None else None,
        "notes": [ri.hazards_note] if ri.hazards_note else [],
    }
