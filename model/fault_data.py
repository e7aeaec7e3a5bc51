"""The device's fault data: which fault-tree basic event each model fault is, and its numbers.

The ``[fault_tree]`` table of a device file maps every model fault (``perm_<fault>``) to a basic
event, so the fault trees derived from the model and the trees the analyst draws speak of the same
events. Numbers are integers in standard reliability units, each with its source:

* ``rate_fit``: a constant failure rate in FIT (failures per 10⁹ hours), exponential over the
  mission time;
* ``ppm_per_exposure``: a probability per exposure (a refill, a programming session) in parts per
  million; over the mission it becomes 1 − (1 − p)ⁿ with n = ``exposures_per_mission``;
* ``ppm_per_mission``: a probability over the whole mission, for figures with no time base.

``mission_time_h`` and ``exposures_per_mission`` are stated once, with their sources (A-11, P-01).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import exp
from typing import Any

from pumpsafe.model.errors import InputError
from pumpsafe.model.state import FAULTS

MODELS = ("rate_fit", "ppm_per_exposure", "ppm_per_mission")
_EVENT_KEYS = {"basic_event", "description", *MODELS}


@dataclass(frozen=True)
class FaultEvent:
    """One model fault as a basic event: name, description, probability model and source."""

    fault: str
    basic_event: str
    description: str
    model: str  # one of MODELS
    value: int
    source: str


@dataclass(frozen=True)
class FaultTreeData:
    """Every fault's basic event, the mission time and the exposures over it."""

    mission_time_h: int
    mission_source: str
    exposures_per_mission: int
    exposures_source: str
    events: Mapping[str, FaultEvent]

    def by_basic_event(self) -> dict[str, FaultEvent]:
        return {e.basic_event: e for e in self.events.values()}

    def probability(self, fault: str) -> float:
        """The event's probability over the mission."""
        e = self.events[fault]
        if e.model == "rate_fit":
            return 1.0 - exp(-e.value * 1e-9 * self.mission_time_h)
        if e.model == "ppm_per_exposure":
            return 1.0 - (1.0 - e.value * 1e-6) ** self.exposures_per_mission
        return e.value * 1e-6


def _number(table: Mapping[str, Any], key: str, where: str, source: str, lo: int, hi: int
            ) -> tuple[int, str]:
    entry = table.get(key)
    field = f"{where}.{key}"
    if not isinstance(entry, dict) or set(entry) != {"value", "source"}:
        raise InputError(source, field, f"is {entry!r}",
                         f'write {key} = {{ value = <integer>, source = "F-xx" }}')
    v, src = entry["value"], entry["source"]
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise InputError(source, f"{field}.value", f"is {v!r}",
                         f"use an integer from {lo} to {hi}")
    if not isinstance(src, str) or not src.strip():
        raise InputError(source, f"{field}.source", "missing",
                         "name the domain row the number comes from (F-xx, A-xx, P-xx)")
    return v, src


def _event(fault: str, table: Any, source: str) -> FaultEvent:
    where = f"fault_tree.events.{fault}"
    if not isinstance(table, dict):
        raise InputError(source, where, "not a table",
                         f'add [{where}] with basic_event, description and one of '
                         + ", ".join(MODELS))
    unknown = sorted(set(table) - _EVENT_KEYS)
    if unknown:
        raise InputError(source, f"{where}.{unknown[0]}", "unknown key",
                         f"allowed: {', '.join(sorted(_EVENT_KEYS))}")
    name = table.get("basic_event")
    if not isinstance(name, str) or not name.replace("_", "").isalnum():
        raise InputError(source, f"{where}.basic_event", f"is {name!r}",
                         "use a name of letters, digits and underscores (an MEF identifier)")
    models = [m for m in MODELS if m in table]
    if len(models) != 1:
        raise InputError(source, where, f"has {len(models)} probability models",
                         f"give exactly one of {', '.join(MODELS)}")
    hi = 10**9 if models[0] == "rate_fit" else 10**6
    value, src = _number(table, models[0], where, source, 0, hi)
    return FaultEvent(fault, name, str(table.get("description", "")), models[0], value, src)


def parse_fault_tree(table: Any, source: str) -> FaultTreeData:
    """Validate a device's ``[fault_tree]`` table."""
    if not isinstance(table, dict):
        raise InputError(source, "fault_tree", "not a table", "add a [fault_tree] table")
    allowed = {"mission_time_h", "exposures_per_mission", "events"}
    for key in table:
        if key not in allowed:
            raise InputError(source, f"fault_tree.{key}", "unknown key",
                             f"allowed: {', '.join(sorted(allowed))}")
    mission, mission_src = _number(table, "mission_time_h", "fault_tree", source, 1, 10**6)
    exposures, exposures_src = _number(table, "exposures_per_mission", "fault_tree", source, 0,
                                       10**4)
    events_table = table.get("events")
    if not isinstance(events_table, dict):
        raise InputError(source, "fault_tree.events", "missing",
                         "add a [fault_tree.events.<fault>] table for every fault")
    for key in events_table:
        if key not in FAULTS:
            raise InputError(source, f"fault_tree.events.{key}", "unknown fault",
                             f"allowed: {', '.join(FAULTS)}")
    missing = [f for f in FAULTS if f not in events_table]
    if missing:
        raise InputError(source, f"fault_tree.events.{missing[0]}", "missing",
                         "every model fault needs its basic event")
    events = {f: _event(f, events_table[f], source) for f in FAULTS}
    names = [e.basic_event for e in events.values()]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(source, "fault_tree.events", f"basic event {dup[0]} named twice",
                         "give every fault its own basic event")
    return FaultTreeData(mission, mission_src, exposures, exposures_src, events)


def fault_tree_data(document: Mapping[str, Any], source: str) -> FaultTreeData:
    """The device's fault data, or a clear error when the device file has none."""
    if "fault_tree" not in document:
        raise InputError(source, "fault_tree", "missing",
                         "the hazard analysis needs a [fault_tree] table mapping every fault to "
                         "a basic event (copy it from the reference device and adapt it)")
    return parse_fault_tree(document["fault_tree"], source)
