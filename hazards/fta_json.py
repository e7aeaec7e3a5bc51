"""The ``pumpsafe.fta/1`` JSON document of an analysis, and its human-readable summary.

Schema (keys always present unless marked):

``schema`` ``"pumpsafe.fta/1"``; ``top_event`` gate name; ``coherent`` bool; ``probability``
exact top-event probability from the BDD; ``probability_method`` ``"bdd-exact"``. When the BDD
exceeds every node budget on a coherent tree (the truncated fallback, docs/fta.md),
``probability_method`` is ``"bdd-truncated"`` (``probability`` is the exact probability of the
union of the kept cut sets, from its BDD: a lower bound) or ``"zbdd-bounds"`` (that BDD too was
too large: ``probability`` is the largest kept set's probability), and ``probability_bounds``
(``lower``, ``upper``) holds rigorous bounds of the top probability; ``minimal_cut_sets`` then
counts the kept sets (every minimal cut set of probability >= the cut-off) and its
``truncation`` block is always present, ``dropped`` ``null`` and ``error_bound`` = upper - lower;
``approximations``: ``rare_event`` and ``mcub`` (min-cut upper bound), both computed from the
(possibly truncated) minimal cut sets over positive literals, and ``based_on`` saying so;
``minimal_cut_sets``: ``kind`` (``"minimal-cut-sets"`` or, on a non-coherent tree,
``"prime-implicants"``), ``count``, ``order_distribution`` (order as a string → count),
``positive_literal_count`` and ``positive_literal_order_distribution`` (minimal cut sets over
positive literals, what the published tables count), ``sets`` (only when listed: sorted lists of
event names, negated literals as ``"NOT name"``, sorted by (length, names)) with
``sets_truncated``, ``note`` (only when prime implicants were not computed), ``truncation``
(only when asked: ``max_order``, ``cutoff``, ``dropped``, ``error_bound``); ``importance`` (only
when asked: event → ``birnbaum``, ``fussell_vesely``, ``criticality``, ``raw``, ``rrw``; ``null``
where undefined, see :mod:`pumpsafe.hazards.importance`); ``bdd_nodes``; ``zdd_nodes``;
``variables``; ``time_s`` (seconds per phase; the only non-deterministic field).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from pumpsafe.hazards.analysis import CutSetFamily, FtaResult

SCHEMA = "pumpsafe.fta/1"


def _distribution(family: CutSetFamily) -> dict[str, int]:
    return {str(order): n for order, n in sorted(family.order_distribution.items())}


def result_document(result: FtaResult) -> dict[str, Any]:
    """The JSON-ready document of ``result`` (see the module docstring)."""
    family = result.cut_sets
    cut_sets: dict[str, Any] = {
        "kind": family.kind,
        "count": family.count,
        "order_distribution": _distribution(family),
        "positive_literal_count": result.positive_cut_sets.count,
        "positive_literal_order_distribution": _distribution(result.positive_cut_sets),
    }
    if family.sets is not None:
        cut_sets["sets"] = family.sets
        cut_sets["sets_truncated"] = family.sets_truncated
    if result.prime_implicants_note:
        cut_sets["note"] = result.prime_implicants_note
    if result.truncation is not None:
        cut_sets["truncation"] = asdict(result.truncation)
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "top_event": result.top_event,
        "coherent": result.coherent,
        "probability": result.probability,
        "probability_method": result.probability_method,
        "approximations": {
            "rare_event": result.rare_event,
            "mcub": result.mcub,
            "based_on": "minimal cut sets over positive literals"
            + (" (truncated)" if result.truncation else ""),
        },
        "minimal_cut_sets": cut_sets,
        "bdd_nodes": result.bdd_nodes,
        "zdd_nodes": result.zdd_nodes,
        "variables": result.variables,
        "time_s": result.time_s,
    }
    if result.probability_bounds is not None:
        lower, upper = result.probability_bounds
        document["probability_bounds"] = {"lower": lower, "upper": upper}
    if result.importance is not None:
        document["importance"] = {name: asdict(m) for name, m in result.importance.items()}
    return document


def to_json(result: FtaResult) -> str:
    """Strict, sorted JSON text of ``result`` (no NaN or Infinity)."""
    return json.dumps(result_document(result), sort_keys=True, indent=2, allow_nan=False) + "\n"


def _probability_line(result: FtaResult) -> str:
    if result.probability_bounds is None:
        return f"probability (exact) {result.probability:.9g}   [BDD, {result.bdd_nodes} nodes]"
    lower, upper = result.probability_bounds
    t = result.truncation
    kept = "cut sets"
    if t is not None and t.cutoff is not None:
        kept += f" with P >= {t.cutoff:.3g}"
    if t is not None and t.max_order is not None:
        kept += f" of order <= {t.max_order}"
    return (
        f"probability bounds  [{lower:.9g}, {upper:.9g}]   [{result.probability_method}: BDD too "
        f"large; lower = P(union of the {kept}), {result.bdd_nodes} BDD nodes]"
    )


def summary(result: FtaResult) -> str:
    """Human-readable summary: top event, exact probability, cut-set counts, timing."""
    family = result.cut_sets
    orders = " ".join(f"{o}:{n}" for o, n in sorted(family.order_distribution.items()))
    lines = [
        f"top event           {result.top_event}" + ("" if result.coherent else " (non-coherent)"),
        _probability_line(result),
        f"rare-event approx.  {result.rare_event:.9g}",
        f"min-cut upper bound {result.mcub:.9g}",
        f"{family.kind:19s} {family.count}   by order {orders or '-'}",
    ]
    if family is not result.positive_cut_sets:
        lines.append(f"positive-literal MCS {result.positive_cut_sets.count}")
    if result.prime_implicants_note:
        lines.append(f"note: {result.prime_implicants_note}")
    t = result.truncation
    if t is not None and t.dropped is not None:
        lines.append(f"truncation dropped {t.dropped} sets, error bound {t.error_bound:.3g}")
    elif t is not None:  # the truncated fallback: sets dropped at every gate, not counted
        only = "" if t.cutoff is None else f" with P >= {t.cutoff:.3g}"
        only += "" if t.max_order is None else f" of order <= {t.max_order}"
        lines.append(f"truncation: only the minimal cut sets{only} were computed; error bound "
                     f"{t.error_bound:.3g} (upper - lower)")
    timing = ", ".join(f"{k} {v:.3f}" for k, v in result.time_s.items())
    lines.append(f"time (s)            {timing}")
    return "\n".join(lines) + "\n"
