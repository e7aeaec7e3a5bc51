"""``report.html``: one self-contained page (inline CSS and SVG, no script, no external asset).

Rendered with Jinja2 and ``autoescape=True`` from the report document; diagrams are built as
element trees (:mod:`pumpsafe.reports.svg`), so every user-supplied name is escaped in text and in
SVG labels alike. A Content-Security-Policy forbids scripts and any network access.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
from markupsafe import Markup
from pumpsafe.reports.fault_trees import AnalyzedTree
from pumpsafe.reports.hazard_view import matching_tree, normalized, risk_grid, trace_rows
from pumpsafe.reports.svg_bars import draw_importance, ranking
from pumpsafe.reports.svg_ids import stable_ids
from pumpsafe.reports.svg_timeline import draw_timeline, format_minutes
from pumpsafe.reports.svg_tree import TreeFigures, describe_gate, draw_tree, format_probability

IMPORTANCE_BARS = 15
CUT_SET_ROWS = 20


def environment() -> jinja2.Environment:
    """The template environment: package templates, autoescaping, strict undefined names."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pumpsafe.reports", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["prob"] = format_probability
    env.filters["minutes"] = format_minutes
    return env


def _tree_view(t: AnalyzedTree, entry: Mapping[str, Any], tree_id: str) -> dict[str, Any]:
    figures = TreeFigures(t.labels, t.probabilities)
    diagrams = draw_tree(t.tree, t.top, figures, tree_id)
    importance = entry["analysis"].get("importance") or {}
    ranked = ranking(importance, IMPORTANCE_BARS)
    chart = draw_importance(ranked, t.labels, f"Fussell-Vesely importance, {t.name} "
                            f"(top {len(ranked)} of {len(importance)} basic events)")
    return {"id": tree_id, "entry": entry, "top_kind": describe_gate(t.tree, t.top),
            "diagrams": [{"number": d.number, "root": d.root, "id": d.id, "nodes": d.nodes,
                          "svg": Markup(d.svg)} for d in diagrams],
            "sets": entry["cut_sets_ranked"][:CUT_SET_ROWS],
            "importance_svg": Markup(chart) if ranked else None,
            "labels": t.labels}


def _timelines(requirements: Sequence[Mapping[str, Any]]) -> dict[str, Markup]:
    return {r["id"]: Markup(draw_timeline(r["trace"], r["id"])) for r in requirements
            if r.get("trace")}


def _hazard_view(doc: Mapping[str, Any], tree_ids: Mapping[str, str],
                 trees: Sequence[AnalyzedTree]) -> dict[str, Any] | None:
    given = doc.get("hazards")
    if not isinstance(given, Mapping):
        return None
    risk = normalized(given)
    names = {(t.file.split("/")[-1].split(" ")[0], t.top): tree_ids[t.name] for t in trees}
    return {"risk": risk, "before": risk_grid(risk, "before"), "after": risk_grid(risk, "after"),
            "trace": trace_rows(risk),
            "hazard_ids": stable_ids([str(h.get("id", "")) for h in risk.get("hazards", [])],
                                     "hz"),
            "tree_links": {str(e.get("name", "")): matching_tree(e, names)
                           for e in risk.get("fault_trees", [])}}


def render_html(doc: Mapping[str, Any], trees: Sequence[AnalyzedTree]) -> str:
    """The HTML report of ``doc``; ``trees`` are the analysed trees behind
    ``doc["fault_trees"]``, in the same order (their graphs are drawn)."""
    requirements = doc["verification"]["requirements"]
    tree_ids = stable_ids([t.name for t in trees], "ft")
    views = [_tree_view(t, e, tree_ids[t.name]) for t, e in zip(trees, doc["fault_trees"],
                                                                  strict=True)]
    template = environment().get_template("report.html.j2")
    return template.render(
        doc=doc, trees=views, timelines=_timelines(requirements),
        req_ids=stable_ids([r["id"] for r in requirements], "req"),
        verdicts={r["id"]: r for r in requirements},
        unreached=[k for k, depth in doc["verification"]["sanity"]["witness_depth"].items()
                   if depth is None and k not in doc["verification"]["sanity"]["disabled"]],
        hazards=_hazard_view(doc, tree_ids, trees))
