"""Importance measures of basic events, exact from the BDD.

For basic event ``i`` with probability ``p``, top-event probability ``P``, and
``P1 = P(top | i occurs)``, ``P0 = P(top | i does not occur)``:

* **Birnbaum** (marginal importance) ``B = P1 - P0 = dP/dp``. On a non-coherent tree it can be
  negative (the event's occurrence makes the top event less likely).
* **Criticality** ``p · B / P``: the share of ``P`` lost if the event could not occur
  (``(P - P0) / P``).
* **Fussell-Vesely** (diagnostic form) ``p · P1 / P = P(i occurs | top occurs)``: the probability
  that the event has occurred given that the top event has (SCRAM's 'DIF'). On a coherent tree
  it is at least the criticality.
* **RAW** (risk achievement worth) ``P1 / P``.
* **RRW** (risk reduction worth) ``P / P0``.

Undefined values are ``None`` (``null`` in JSON): every ratio with ``P = 0`` (the top event
cannot occur), and RRW when ``P0 = 0`` (the top event cannot occur without the event: its RRW is
infinite). ``P1`` and ``P0`` are computed directly from the BDD as sums of non-negative terms
(:func:`pumpsafe.hazards.flat.conditional_probabilities`), so that an RRW near infinity or a
tiny ``P0`` keeps its digits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pumpsafe.hazards.flat import FlatBdd, conditional_probabilities


@dataclass(frozen=True)
class Importance:
    """Importance measures of one basic event (see the module docstring for definitions)."""

    birnbaum: float
    fussell_vesely: float | None
    criticality: float | None
    raw: float | None
    rrw: float | None


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0.0 else None


def measures(p: float, top: float, given_true: float, given_false: float) -> Importance:
    """Importance of an event of probability ``p`` given ``P = top``, ``P1`` and ``P0``."""
    marginal = given_true - given_false
    return Importance(
        birnbaum=marginal,
        fussell_vesely=_ratio(p * given_true, top),
        criticality=_ratio(p * marginal, top),
        raw=_ratio(given_true, top),
        rrw=_ratio(top, given_false) if top > 0.0 else None,
    )


def importance_by_event(
    bdd: FlatBdd, p: Sequence[float], top: float, events: Mapping[str, float]
) -> dict[str, Importance]:
    """Importance of every event of ``events`` (name → probability), ``p`` by BDD level.

    An event absent from the BDD (its value cannot change the top event) has Birnbaum 0.
    """
    given_true, given_false = conditional_probabilities(bdd, p)
    by_name = {name: (given_true[v], given_false[v]) for v, name in enumerate(bdd.variables)}
    return {e: measures(pe, top, *by_name.get(e, (top, top))) for e, pe in sorted(events.items())}
