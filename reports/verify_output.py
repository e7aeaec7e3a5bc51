"""Machine-readable ``verify`` results: JSON (``pumpsafe.verify/1``) and JUnit XML.

The JSON schema is documented in docs/verify-json.md. Output is deterministic but for the
per-requirement ``time_s`` the contract asks for.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import z3
from pumpsafe.model.trace import trace_to_json
from pumpsafe.proofs.verify import Report, Verdict

from pumpsafe import __version__

SCHEMA = "pumpsafe.verify/1"


def _device_params(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, p in sorted(report.device.params.items()):
        value: Any = {"min": p.lo, "max": p.hi} if p.is_range else p.value
        out[key] = {"value": list(value) if isinstance(value, tuple) else value,
                    "source": p.source}
    return out


def verdict_json(v: Verdict) -> dict[str, Any]:
    """One requirement's entry."""
    r = v.requirement
    entry: dict[str, Any] = {
        "id": r.id, "family": r.family, "hazard": list(r.hazards), "statement": r.statement,
        "kind": r.kind, "verdict": v.verdict, "engine": v.engine, "time_s": round(v.time_s, 3),
        "assumes_absent": list(r.assumes_absent), "survives": list(r.survives),
        "premise": v.premise, "sources": list(r.sources),
    }
    if r.note:
        entry["note"] = r.note
    if v.verdict == "proved":
        entry["certificate"] = v.certificate
        if v.witnesses:
            entry["witnesses"] = dict(sorted(v.witnesses.items()))
    if v.verdict == "violated":
        entry["trace"] = json.loads(trace_to_json(v.trace)) if v.trace else None
        if v.reason:
            entry["reason"] = v.reason
    if v.verdict in ("unknown", "vacuous"):
        entry["reason"] = v.reason
    return entry


def report_json(report: Report) -> str:
    """The whole run as JSON text."""
    doc = {
        "schema": SCHEMA,
        "device": {"name": report.device.name, "path": report.device.path,
                   "sha256": report.device.sha256, "parameters": _device_params(report),
                   "faults": dict(report.device.faults)},
        "tool": {"pumpsafe": __version__, "z3": z3.get_version_string()},
        "requirements": [verdict_json(v) for v in report.verdicts],
        "sanity": {"status": report.sanity_status, "witness_depth": report.sanity,
                   "disabled": list(report.sanity_disabled)},
        "summary": report.counts(),
        "exit_code": report.exit_code(),
    }
    return json.dumps(doc, indent=1, allow_nan=False) + "\n"


def report_junit(report: Report) -> str:
    """One test case per requirement: failure for violated/vacuous, error for unknown."""
    counts = report.counts()
    suite = ET.Element("testsuite", name=f"pumpsafe verify {report.device.name}",
                       tests=str(len(report.verdicts)),
                       failures=str(counts["violated"] + counts["vacuous"]),
                       errors=str(counts["unknown"]), skipped="0")
    for v in report.verdicts:
        case = ET.SubElement(suite, "testcase", classname=v.requirement.family,
                             name=f"{v.requirement.id}: {v.requirement.statement}",
                             time=f"{v.time_s:.3f}")
        if v.verdict in ("violated", "vacuous"):
            fail = ET.SubElement(case, "failure", type=v.verdict,
                                 message=f"{v.requirement.id} {v.verdict}")
            fail.text = v.reason or (f"counterexample of {len(v.trace.steps)} steps"
                                     if v.trace else "")
        elif v.verdict == "unknown":
            err = ET.SubElement(case, "error", type="unknown", message=v.reason)
            err.text = v.reason
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") \
        + "\n"
