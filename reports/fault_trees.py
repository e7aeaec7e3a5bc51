"""The report's fault-tree analysis: every top gate of every MEF file in the trees folder.

For each tree: the exact analysis of :func:`pumpsafe.hazards.analyze` (probability, minimal cut
sets, importance), the probability of every basic event at the mission time, the exact
probability of every gate (its own BDD; skipped above :data:`GATE_PROBABILITY_LIMIT` gates), the
labels of the MEF file, and the cut sets ranked by probability (product of their literals'
probabilities).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pumpsafe.hazards import FtaOptions, analyze, read_mef, result_document
from pumpsafe.hazards.bdd import build_bdd
from pumpsafe.hazards.flat import flatten, top_probability
from pumpsafe.hazards.tree import (
    DEFAULT_MISSION_TIME_H,
    FaultTree,
    event_probability,
    subtree,
    top_gates,
)
from pumpsafe.model.errors import InputError
from pumpsafe.reports.mef_labels import read_labels
from pumpsafe.reports.provenance import display_path, sha256_file

GATE_PROBABILITY_LIMIT = 300
RANKED_SETS = 100


@dataclass(frozen=True)
class TreeFile:
    """A MEF file to analyse: where it is and how the report names it."""

    path: Path
    shown: str


@dataclass(frozen=True)
class AnalyzedTree:
    """One analysed fault tree (the subtree under ``top``) and every figure the report shows."""

    name: str
    file: str
    sha256: str
    top: str
    mission_time_h: float
    tree: FaultTree
    labels: Mapping[str, str]
    probabilities: Mapping[str, float]
    document: Mapping[str, Any]
    ranked_sets: list[dict[str, Any]]
    time_s: float


def tree_files(trees_dir: str | None) -> list[TreeFile]:
    """The ``*.xml`` files of ``trees_dir`` (the built-in trees when None), sorted by name."""
    if trees_dir is None:
        folder = resources.files("pumpsafe.hazards").joinpath("data/trees")
        if not folder.is_dir():
            return []
        return [TreeFile(Path(str(f)), f"hazards/data/trees/{f.name} (built-in)")
                for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".xml")]
    directory = Path(trees_dir)
    if not directory.is_dir():
        raise InputError(trees_dir, "--trees", "not a folder",
                         "give the folder that holds the Open-PSA MEF fault trees (*.xml)")
    return [TreeFile(f, display_path(f)) for f in sorted(directory.glob("*.xml"))]


def _literal_probability(literal: str, p: Mapping[str, float]) -> float:
    # house events (constants) are not in ``p``: a true one does not change the product
    if literal.startswith("NOT "):
        return 1.0 - p.get(literal.removeprefix("NOT "), 0.0)
    return p.get(literal, 1.0)


def rank_sets(sets: list[list[str]], p: Mapping[str, float], limit: int) -> list[dict[str, Any]]:
    """The ``limit`` most probable sets, each with the product of its literals' probabilities."""
    scored = []
    for events in sets:
        probability = 1.0
        for literal in events:
            probability *= _literal_probability(literal, p)
        scored.append((-probability, len(events), events))
    scored.sort()
    return [{"events": e, "probability": -q} for q, _n, e in scored[:limit]]


def gate_probabilities(tree: FaultTree, p: Mapping[str, float]) -> dict[str, float]:
    """Exact probability of every gate (one BDD each), or {} for a tree of many gates."""
    gates = sorted(n for n, d in tree.nodes(data=True) if d.get("kind") == "gate")
    if len(gates) > GATE_PROBABILITY_LIMIT:
        return {}
    out = {}
    for gate in gates:
        built = build_bdd(tree, gate)
        flat = flatten(built.manager, built.root, built.variables)
        out[gate] = top_probability(flat, [p[v] for v in flat.variables])
    return out


def analyze_file(tree_file: TreeFile, mission_time_h: float = DEFAULT_MISSION_TIME_H
                 ) -> list[AnalyzedTree]:
    """Analyse every top gate of one MEF file (``InputError`` for a bad file)."""
    whole = read_mef([tree_file.path])
    # the reader may keep labels on the nodes itself (``label``); the file's own are the fallback
    labels = {**read_labels(tree_file.path),
              **{n: str(d["label"]) for n, d in whole.nodes(data=True) if d.get("label")}}
    digest = sha256_file(tree_file.path)
    tops = top_gates(whole)
    out = []
    for top in tops:
        started = time.perf_counter()
        tree = subtree(whole, top)
        result = analyze(tree, FtaOptions(top=top, mission_time_h=mission_time_h,
                                          importance=True, list_sets=True),
                         source=tree_file.shown)
        if result.probability_bounds is not None:
            # a risk file quotes exact probabilities: bounds would read as one
            lower, upper = result.probability_bounds
            raise InputError(tree_file.shown, f"top event {top}",
                             f"its BDD is too large for an exact probability (only bounds "
                             f"[{lower:.3g}, {upper:.3g}] from truncated cut sets)",
                             "split the tree into smaller fault trees, or analyse it with "
                             "'pumpsafe fta', which reports the bounds")
        document = {k: v for k, v in result_document(result).items() if k != "time_s"}
        p = {n: event_probability(d["model"], mission_time_h)
             for n, d in tree.nodes(data=True) if d.get("kind") == "basic"}
        probabilities = {**p, **gate_probabilities(tree, p)}
        probabilities[top] = result.probability
        sets = result.cut_sets.sets or []
        name = tree_file.path.stem if len(tops) == 1 else f"{tree_file.path.stem}:{top}"
        out.append(AnalyzedTree(name, tree_file.shown, digest, top, mission_time_h, tree,
                                labels, probabilities, document,
                                rank_sets(sets, p, RANKED_SETS),
                                time.perf_counter() - started))
    return out
