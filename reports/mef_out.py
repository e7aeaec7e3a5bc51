"""``model.xml``: every analysed fault tree in one Open-PSA MEF document.

The trees are merged into one graph (a gate or event that several trees use is defined once) and
written by :func:`pumpsafe.hazards.mef_text` as one fault tree holding every top gate, which
SCRAM and :func:`pumpsafe.hazards.read_mef` read back. Two trees that define the same name
differently cannot share one model: that is an input error naming both files.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
from pumpsafe.hazards import mef_text
from pumpsafe.hazards.tree import FaultTree, args_of
from pumpsafe.model.errors import InputError
from pumpsafe.reports.fault_trees import AnalyzedTree

_COMPARED = ("kind", "op", "k", "model", "state")


def _definition(tree: FaultTree, node: str) -> tuple[object, ...]:
    data = tree.nodes[node]
    args = tuple(args_of(tree, node)) if data.get("kind") == "gate" else ()
    return (*(data.get(key) for key in _COMPARED), args)


def merged_tree(trees: Sequence[AnalyzedTree]) -> FaultTree:
    """One graph holding every tree; a name defined differently by two trees is refused."""
    merged: FaultTree = nx.DiGraph()
    origin: dict[str, AnalyzedTree] = {}
    for t in trees:
        for node in t.tree.nodes:
            first = origin.get(node)
            if first is not None and _definition(first.tree, node) != _definition(t.tree, node):
                raise InputError(t.file, node, f"defined differently in {first.file}",
                                 "give every gate and event one definition across the trees, "
                                 "or rename one of them")
            origin.setdefault(node, t)
        merged = nx.compose(merged, t.tree)
    return merged


def model_xml(trees: Sequence[AnalyzedTree], name: str = "pumpsafe-report") -> str:
    """The MEF text of every tree (an empty model when there is none)."""
    return mef_text(merged_tree(trees), name)
