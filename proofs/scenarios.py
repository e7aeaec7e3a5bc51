"""Known counterexample scenarios: runs found outside the solvers (an analyst, a fuzz campaign, a
field incident), kept as scenario files and replayed before the solvers run.

A counterexample is a counterexample however it was found: when a scenario's steps are enabled
on the device and reach a violation of a requirement, that requirement is violated, with the
replayed prefix as its trace (engine ``scenario``), even where bounded search cannot reach the
run's length. A scenario whose steps are not enabled on the device (another configuration, a
fault it does not permit) says nothing and is skipped. Files: ``proofs/scenarios/*.json``
(``pumpsafe.scenario/1`` with ``name``, ``note``, optional ``resolved`` values of ranged
parameters, ``steps``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pumpsafe.model.device import Device, with_faults
from pumpsafe.model.interpreter import Interpreter
from pumpsafe.model.rules import PumpModel
from pumpsafe.model.terms import Value
from pumpsafe.model.trace import Step, Trace, resolved_by_var, scenario_steps
from pumpsafe.proofs.monitor import Monitor
from pumpsafe.proofs.requirements import Requirement

from pumpsafe import __version__


@dataclass(frozen=True)
class Scenario:
    """A named step list with the values of ranged parameters it was written for."""

    name: str
    note: str
    resolved: Mapping[str, int]
    steps: tuple[tuple[str, dict[str, Value]], ...]


def builtin_scenarios() -> list[Scenario]:
    """The scenarios shipped with pumpsafe, sorted by file name."""
    folder = resources.files("pumpsafe.proofs").joinpath("scenarios")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            doc: Any = json.loads(entry.read_text(encoding="utf-8"))
            out.append(Scenario(str(doc.get("name", entry.name)), str(doc.get("note", "")),
                                dict(doc.get("resolved", {})),
                                tuple(scenario_steps(doc, entry.name))))
    return out


def _resolved(device: Device, scenario: Scenario) -> dict[str, int] | None:
    """Every ranged parameter's value: the scenario's, else the range's low end (None when a
    given value lies outside the device's range)."""
    out = {}
    for key, p in sorted(device.params.items()):
        if p.is_range:
            v = int(scenario.resolved.get(key, p.lo))  # type: ignore[arg-type]
            if not int(p.lo) <= v <= int(p.hi):  # type: ignore[arg-type]
                return None
            out[key] = v
    return out


def first_violation(model: PumpModel, req: Requirement, scenario: Scenario,
                    permissions: Mapping[str, bool]) -> Trace | None:
    """The scenario's shortest prefix violating ``req`` under these fault permissions (the
    requirement's own fault assumption as given), or None."""
    device = with_faults(model.device, permissions)
    resolved = _resolved(device, scenario)
    if resolved is None:
        return None
    interp = Interpreter(model, resolved_by_var(device, resolved))
    state = dataclasses.replace(interp.initial_state(),
                                **{"perm_" + f: bool(v) for f, v in permissions.items()})
    monitor = Monitor([req], [r.name for r in model.rules], interp.resolved)
    initial, steps = state, []
    for rule, params in scenario.steps:
        nxt = interp.step(rule, state, params)
        if nxt is None:
            return None
        steps.append(Step(rule, params, nxt))
        if req.id in monitor.violated_in_step(state, rule, nxt):
            return Trace(device, resolved, initial, tuple(steps),
                         {"tool": "pumpsafe verify", "version": __version__,
                          "engine": "scenario", "scenario": scenario.name},
                         {"requirement": req.id, "step": len(steps)})
        state = nxt
    return None


def known_violation(model: PumpModel, req: Requirement, permissions: Mapping[str, bool],
                    scenarios: Sequence[Scenario]) -> tuple[Trace, Scenario] | None:
    """The first scenario that violates ``req`` on the model, with its trace."""
    if req.kind not in ("invariant", "step"):
        return None
    for scenario in scenarios:
        trace = first_violation(model, req, scenario, permissions)
        if trace is not None:
            return trace, scenario
    return None
