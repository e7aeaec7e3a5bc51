"""Traces: the one JSON format that simulate, verify, fuzz and replay share.

Schema ``pumpsafe.trace/1``::

    {"schema": "pumpsafe.trace/1",
     "generator": {"tool": ..., "version": ..., ...},       # who wrote it (seed etc.)
     "device": {"name", "path", "sha256",
                "resolved": {dotted key: value for every ranged parameter},
                "document": {the whole device file, parsed}},
     "initial_state": {field: value, ...},
     "steps": [{"rule": name, "params": {...every choice...}, "state": {full state after}}],
     "violation": null | {"requirement": id, "step": index (0 = initial state)}}

``replay`` needs nothing but the trace: the device travels inside it. A scenario file is the same
``steps`` list without states (``{"schema": "pumpsafe.scenario/1", "steps": [...]}``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pumpsafe.model.device import Device, parse_device
from pumpsafe.model.errors import InputError
from pumpsafe.model.interpreter import Interpreter
from pumpsafe.model.rules import build_model
from pumpsafe.model.state import FIELD_NAMES, State, state_from_dict, state_to_dict
from pumpsafe.model.terms import Value

TRACE_SCHEMA = "pumpsafe.trace/1"
SCENARIO_SCHEMA = "pumpsafe.scenario/1"


@dataclass(frozen=True)
class Step:
    """One executed rule with every parameter, and the state after it."""

    rule: str
    params: Mapping[str, Value]
    state: State


@dataclass(frozen=True)
class Trace:
    """A run of the model from the initial state."""

    device: Device
    resolved: Mapping[str, int]  # by dotted key
    initial: State
    steps: tuple[Step, ...]
    generator: Mapping[str, Any]
    violation: Mapping[str, Any] | None = None

    def violating(self, requirement: str) -> Trace:
        """The same run, recorded as violating ``requirement`` at its last step."""
        return replace(self, violation={"requirement": requirement, "step": len(self.steps)})


def resolved_by_var(device: Device, resolved: Mapping[str, int]) -> dict[str, int]:
    """Translate ``{dotted key: value}`` to the interpreter's ``{variable: value}``."""
    keys = device.ranged_keys()
    return {var: int(resolved[key]) for var, key in keys.items() if key in resolved}


def trace_to_json(trace: Trace) -> str:
    """Serialise deterministically: fixed key order, one step per line."""
    head = {
        "schema": TRACE_SCHEMA,
        "generator": dict(trace.generator),
        "device": {"name": trace.device.name, "path": trace.device.path,
                   "sha256": trace.device.sha256,
                   "resolved": {k: trace.resolved[k] for k in sorted(trace.resolved)},
                   "document": trace.device.document},
        "initial_state": state_to_dict(trace.initial),
    }
    lines = [json.dumps({"rule": s.rule, "params": dict(s.params), "state": state_to_dict(s.state)},
                        separators=(",", ":")) for s in trace.steps]
    body = json.dumps(head, indent=1, sort_keys=False)[:-2]
    steps = ",\n  ".join(lines)
    return (body + ',\n "steps": [\n  ' + steps + ("\n ],\n" if lines else "],\n")
            + ' "violation": ' + json.dumps(trace.violation, sort_keys=True) + "\n}\n")


def load_json(path: str) -> Any:
    """Read a JSON file; every failure is an :class:`InputError` naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "", "file not found", "give the path of a trace JSON file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(path, "", f"cannot read the file: {e}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(path, f"line {e.lineno}", f"not valid JSON: {e.msg}") from None


def trace_from_json(doc: Any, source: str) -> Trace:
    """Parse a trace document; structure errors name the field and the fix."""
    if not isinstance(doc, dict) or doc.get("schema") != TRACE_SCHEMA:
        raise InputError(source, "schema", "not a pumpsafe trace",
                         f'expected "schema": "{TRACE_SCHEMA}"')
    dev = _get(doc, "device", dict, source)
    device = parse_device(_get(dev, "document", dict, source, "device."),
                          f"{source} (device.document)", str(dev.get("sha256", "")))
    device = Device(device.name, device.description, str(dev.get("path", device.path)),
                    device.sha256, device.params, device.faults, device.document)
    resolved = _get(dev, "resolved", dict, source, "device.")
    initial = _state(_get(doc, "initial_state", dict, source), source, "initial_state")
    steps = []
    for i, raw in enumerate(_get(doc, "steps", list, source)):
        where = f"steps[{i}]"
        if not isinstance(raw, dict):
            raise InputError(source, where, "is not an object", "each step is "
                             '{"rule": ..., "params": {...}, "state": {...}}')
        rule = _get(raw, "rule", str, source, where + ".")
        params = _get(raw, "params", dict, source, where + ".")
        steps.append(Step(rule, params, _state(_get(raw, "state", dict, source, where + "."),
                                                source, where + ".state")))
    violation = doc.get("violation")
    if violation is not None and not isinstance(violation, dict):
        raise InputError(source, "violation", "must be null or an object")
    return Trace(device, resolved, initial, tuple(steps), dict(doc.get("generator") or {}),
                 violation)


def _get(doc: Mapping[str, Any], key: str, kind: type, source: str, prefix: str = "") -> Any:
    v = doc.get(key)
    if not isinstance(v, kind):
        raise InputError(source, prefix + key, "missing or of the wrong type",
                         f"expected a JSON {kind.__name__.replace('dict', 'object')}")
    return v


def _state(values: dict[str, Any], source: str, where: str) -> State:
    try:
        return state_from_dict(values)
    except (KeyError, TypeError) as e:
        raise InputError(source, where, f"not a pump state: {e}",
                         f"a state has exactly the fields {', '.join(FIELD_NAMES[:3])}, ...",
                         ) from None


@dataclass(frozen=True)
class Divergence:
    """Where a replay first disagrees with the trace."""

    step: int  # 0 = initial state
    message: str


def replay(trace: Trace) -> Divergence | None:
    """Re-execute the trace on the concrete interpreter; None when every state matches."""
    model = build_model(trace.device)
    interp = Interpreter(model, resolved_by_var(trace.device, trace.resolved))
    state = interp.initial_state()
    diff = _diff(state, trace.initial)
    if diff:
        return Divergence(0, f"initial state differs: {diff}")
    for i, step in enumerate(trace.steps, start=1):
        why = interp.explain(step.rule, state, step.params)
        if why:
            return Divergence(i, f"step {i} ({step.rule}) cannot run: {why}")
        state = interp.step(step.rule, state, step.params)  # type: ignore[assignment]
        diff = _diff(state, step.state)
        if diff:
            return Divergence(i, f"step {i} ({step.rule}) reaches a different state: {diff}")
    return None


def _diff(actual: State, recorded: State) -> str:
    out = [f"{n}: model gives {getattr(actual, n)!r}, trace says {getattr(recorded, n)!r}"
           for n in FIELD_NAMES if getattr(actual, n) != getattr(recorded, n)]
    return "; ".join(out[:3]) + (f" (+{len(out) - 3} more)" if len(out) > 3 else "")


def scenario_steps(doc: Any, source: str) -> Sequence[tuple[str, dict[str, Value]]]:
    """The (rule, params) list of a scenario file (a trace's step list also works)."""
    if not isinstance(doc, dict) or doc.get("schema") not in (SCENARIO_SCHEMA, TRACE_SCHEMA):
        raise InputError(source, "schema", "not a pumpsafe scenario",
                         f'expected "schema": "{SCENARIO_SCHEMA}"')
    out = []
    for i, raw in enumerate(_get(doc, "steps", list, source)):
        if not isinstance(raw, dict):
            raise InputError(source, f"steps[{i}]", "is not an object",
                             'each step is {"rule": ..., "params": {...}}')
        out.append((_get(raw, "rule", str, source, f"steps[{i}]."),
                    dict(_get(raw, "params", dict, source, f"steps[{i}]."))))
    return out
