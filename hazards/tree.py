"""Fault trees as ``networkx.DiGraph`` values: node kinds, gate operators, probability models.

A fault tree is a directed graph whose edges go from a gate to each of its arguments, in argument
order. Every node carries a ``kind`` attribute:

``"gate"``
    ``op`` is one of :data:`GATE_OPS`; ``k`` is the vote number of an ``atleast`` gate (``None``
    otherwise); ``anonymous`` is true for a nested formula given no name in the source (such a gate
    has exactly one parent and is written back inline); ``source`` says where it was defined.
``"basic"``
    ``model`` is a :data:`ProbabilityModel`; ``source`` says where the event and its figure come
    from (file and line, or a reference such as a data sheet).
``"house"``
    ``state`` is the constant truth value of the house event; ``source`` as above.

Shared subtrees are one node with several parents, never copies. The builders below check their
own arguments; :func:`pumpsafe.hazards.validate.validate_tree` checks a whole graph.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    FaultTree = nx.DiGraph[str]
else:
    FaultTree = nx.DiGraph

GATE_OPS = ("and", "or", "atleast", "not", "xor", "nand", "nor")
"""Gate operators: ``xor`` is true when an odd number of arguments is true, ``atleast`` when at
least ``k`` are, ``nand``/``nor`` are the negations of ``and``/``or``."""

COHERENT_OPS = frozenset({"and", "or", "atleast"})

DEFAULT_MISSION_TIME_H = 8760.0
"""Mission time used when a model refers to the system mission time and none is given (one year,
as SCRAM)."""


@dataclass(frozen=True)
class Constant:
    """A basic event failing with a fixed probability ``probability`` in [0, 1]."""

    probability: float


@dataclass(frozen=True)
class Exponential:
    """A basic event failing at constant rate ``rate_per_h`` (per hour) over ``time_h`` hours.

    ``time_h`` ``None`` means the system mission time. Probability is ``1 - exp(-rate * time)``.
    """

    rate_per_h: float
    time_h: float | None = None


ProbabilityModel = Constant | Exponential


def event_probability(model: ProbabilityModel, mission_time_h: float) -> float:
    """Probability of a basic event under ``model`` for a mission of ``mission_time_h`` hours."""
    if isinstance(model, Constant):
        return model.probability
    time_h = mission_time_h if model.time_h is None else model.time_h
    return -math.expm1(-model.rate_per_h * time_h)


def new_tree() -> FaultTree:
    """An empty fault tree."""
    return nx.DiGraph()


def add_gate(
    tree: FaultTree,
    name: str,
    op: str,
    args: Iterable[str],
    *,
    k: int | None = None,
    anonymous: bool = False,
    source: str = "",
) -> None:
    """Add gate ``name`` computing ``op`` over ``args`` (names of nodes, added or added later)."""
    if op not in GATE_OPS:
        raise ValueError(f"gate {name!r}: unknown operator {op!r}; use one of {GATE_OPS}")
    tree.add_node(name, kind="gate", op=op, k=k, anonymous=anonymous, source=source)
    for arg in args:
        if tree.has_edge(name, arg):
            raise ValueError(f"gate {name!r}: argument {arg!r} given twice")
        tree.add_edge(name, arg)


def add_basic_event(
    tree: FaultTree, name: str, model: ProbabilityModel, *, source: str = ""
) -> None:
    """Add (or complete) basic event ``name`` with probability model ``model``."""
    tree.add_node(name, kind="basic", model=model, source=source)


def add_house_event(tree: FaultTree, name: str, state: bool, *, source: str = "") -> None:
    """Add (or complete) house event ``name`` with constant truth value ``state``."""
    tree.add_node(name, kind="house", state=state, source=source)


def kind_of(tree: FaultTree, node: str) -> str:
    """``"gate"``, ``"basic"`` or ``"house"``; ``""`` for a node referenced but never defined."""
    return str(tree.nodes[node].get("kind", ""))


def args_of(tree: FaultTree, gate: str) -> list[str]:
    """Arguments of ``gate`` in the order they were given."""
    return list(tree.successors(gate))


def basic_events(tree: FaultTree) -> list[str]:
    """Names of every basic event, sorted."""
    return sorted(n for n, d in tree.nodes(data=True) if d.get("kind") == "basic")


def top_gates(tree: FaultTree) -> list[str]:
    """Gates no other gate refers to, sorted (the candidate top events)."""
    return sorted(
        n for n, d in tree.nodes(data=True) if d.get("kind") == "gate" and tree.in_degree(n) == 0
    )


def is_coherent(tree: FaultTree, top: str) -> bool:
    """True when no gate below ``top`` (inclusive) is NOT, XOR, NAND or NOR."""
    below = nx.descendants(tree, top) | {top}
    return all(
        tree.nodes[n]["op"] in COHERENT_OPS for n in below if tree.nodes[n].get("kind") == "gate"
    )


def subtree(tree: FaultTree, top: str) -> FaultTree:
    """The part of ``tree`` reachable from ``top`` (a copy sharing attribute values)."""
    keep = nx.descendants(tree, top) | {top}
    return tree.subgraph(keep).copy()
