"""``summary.md``: a short summary for a pull-request comment.

Verdict counts, each violated / vacuous / unknown requirement with a one-line explanation,
top-event probabilities, and flagged hazards. Text from user files is escaped for Markdown (and
for the HTML that Markdown renderers pass through), so a name such as ``<script>`` stays text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pumpsafe.reports.svg_timeline import fault_marks, format_minutes
from pumpsafe.reports.svg_tree import format_probability

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_VERDICT_MARK = {"proved": "✅", "violated": "❌", "vacuous": "⚠️", "unknown": "❔"}


def md_escape(text: str) -> str:
    """``text`` safe in a Markdown table cell: HTML characters as entities, Markdown
    punctuation backslash-escaped, line breaks as spaces."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def explain(r: Mapping[str, Any]) -> str:
    """One line on why a requirement is not proved."""
    trace = r.get("trace")
    if r["verdict"] == "violated" and isinstance(trace, Mapping) and trace.get("steps"):
        steps = trace["steps"]
        marks = sorted({m for s in steps for m in fault_marks(s)})
        faults = f"; faults: {', '.join(marks)}" if marks else ""
        last = steps[-1]
        return (f"counterexample of {len(steps)} steps ending with {last['rule']} at "
                f"{format_minutes(int(last['state']['t_min']))} after implant{faults}")
    return str(r.get("reason") or r["verdict"])


def render_summary(doc: Mapping[str, Any]) -> str:
    """The Markdown summary of the report document."""
    v = doc["verification"]
    counts = v["summary"]
    lines = [f"## pumpsafe report: {md_escape(doc['device']['name'])}", "",
             " · ".join(f"{_VERDICT_MARK[k]} {n} {k}" for k, n in counts.items())
             + f" (of {len(v['requirements'])} checked) · exit code {doc['exit_code']}", ""]
    failing = [r for r in v["requirements"] if r["verdict"] != "proved"]
    if failing:
        lines += ["| requirement | verdict | why |", "|---|---|---|"]
        lines += [f"| {md_escape(r['id'])} | {r['verdict']} | {md_escape(explain(r))} |"
                  for r in failing]
        lines.append("")
    if doc["fault_trees"]:
        lines += ["| fault tree | top event | P (exact) | minimal cut sets |", "|---|---|---|---|"]
        lines += [f"| {md_escape(t['name'])} | {md_escape(t['top'])} | "
                  f"{format_probability(t['analysis']['probability'])} | "
                  f"{t['analysis']['minimal_cut_sets']['count']} |" for t in doc["fault_trees"]]
        lines.append("")
    lines += _hazard_lines(doc.get("hazards"))
    for note in doc["notes"]:
        lines += [f"> {md_escape(note)}", ""]
    lines.append("Full report: `report.html` (and `report.pdf`) beside this file.")
    return "\n".join(lines).rstrip() + "\n"


def _hazard_lines(risk: Any) -> list[str]:
    if not isinstance(risk, Mapping):
        return []
    hazards = risk.get("hazards", [])
    flagged = [h for h in hazards if h.get("flagged")]
    lines = [f"Hazards: {len(hazards)} in the register, {len(flagged)} flagged.", ""]
    lines += [f"- **{md_escape(h.get('id', ''))}** {md_escape(h.get('title', ''))}: "
              f"{md_escape('; '.join(h.get('flags', [])))}" for h in flagged]
    return [*lines, ""] if flagged else lines
