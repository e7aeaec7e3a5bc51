"""The risk file: the hazard register with live proof evidence, the authored fault trees, the
fault trees derived from the model, and where the two disagree (``pumpsafe hazards``).

``proofs`` and ``hazards`` never import each other; this module joins them: the verify report
gives the evidence for each risk control, :mod:`pumpsafe.proofs.cutsets` gives the model's cut
sets (fault names), and the device's fault data (:mod:`pumpsafe.model.fault_data`) turns them
into basic events for :mod:`pumpsafe.hazards`. The result is a JSON-ready document,
``"schema": "pumpsafe.hazards/1"`` (docs/hazards-json.md).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pumpsafe.hazards import FtaOptions, analyze, read_mef, result_document
from pumpsafe.hazards.register import (
    Hazard,
    Register,
    TreeRef,
    check_references,
    load_register,
)
from pumpsafe.hazards.tree import (
    Constant,
    FaultTree,
    add_basic_event,
    add_gate,
    basic_events,
    event_probability,
    new_tree,
)
from pumpsafe.model.device import Device, assumption_ids
from pumpsafe.model.errors import InputError
from pumpsafe.model.fault_data import FaultTreeData, fault_tree_data
from pumpsafe.model.trace import trace_to_json
from pumpsafe.proofs.cutsets import CutSetOptions, HazardCutSets, minimal_cut_sets
from pumpsafe.proofs.requirements import catalogue
from pumpsafe.proofs.verify import Report

SCHEMA = "pumpsafe.hazards/1"
PROBABILITY_TOLERANCE = 1e-6  # relative: an authored model event must carry the device's number


@dataclass(frozen=True)
class RiskInputs:
    """Everything the risk file reads, loaded and validated before any solver runs."""

    device: Device
    register: Register
    data: FaultTreeData
    trees: tuple[tuple[TreeRef, FaultTree, str], ...]  # reference, tree, file as shown


def prepare(device: Device, register_path: str | Path | None = None,
            trees_dir: str | Path | None = None) -> RiskInputs:
    """Load and validate the register, the device's fault data and the authored trees (every
    problem is an :class:`InputError`, raised before any proof starts)."""
    register = load_register(register_path)
    check_references(register, [r.id for r in catalogue(device)])
    data = fault_tree_data(device.document, device.path)
    trees = []
    for ref in register.fault_trees:
        tree, shown = _read_tree(register, ref, trees_dir)
        _check_numbers(tree, shown, data)
        trees.append((ref, tree, shown))
    return RiskInputs(device, register, data, tuple(trees))


def risk_file(device: Device, verify_report: Report | None, register_path: str | Path | None = None,
              trees_dir: str | Path | None = None, cutsets: CutSetOptions | None = None,
              derive: bool = True, progress: Callable[[str], None] | None = None,
              inputs: RiskInputs | None = None) -> dict[str, Any]:
    """The whole risk file as a JSON-ready document (see the module docstring)."""
    inputs = inputs or prepare(device, register_path, trees_dir)
    register, data = inputs.register, inputs.data
    verdicts = _verdicts(verify_report)
    hazards = [_hazard_entry(register, h, verdicts) for h in register.hazards]
    trees = [_tree_entry(device, ref, tree, shown, data, cutsets, derive, progress)
             for ref, tree, shown in inputs.trees]
    flagged = any(h["flagged"] for h in hazards)
    return {
        "schema": SCHEMA,
        "register": {"name": register.name, "path": register.path, "sha256": register.sha256},
        "device": {"name": device.name, "path": device.path, "sha256": device.sha256},
        "risk_policy": {"severity": list(register.policy.severity),
                        "probability": list(register.policy.probability),
                        "matrix": {s: dict(zip(register.policy.probability, row, strict=True))
                                   for s, row in register.policy.matrix.items()},
                        "acceptable": list(register.policy.acceptable)},
        "hazards": hazards,
        "fault_trees": trees,
        "fault_data": _fault_data_entry(data),
        "assumptions": _assumptions(device, data),
        "exit_code": 1 if flagged else 0,
    }


def _verdicts(report: Report | None) -> dict[str, Any]:
    return {} if report is None else {v.requirement.id: v for v in report.verdicts}


def _evidence(req_id: str, verdicts: Mapping[str, Any]) -> dict[str, str]:
    v = verdicts.get(req_id)
    if v is None:
        return {"requirement": req_id, "verdict": "not run", "engine": "",
                "detail": "not checked in this run"}
    detail = {"proved": "certificate re-checked" if v.certificate else "",
              "violated": f"counterexample of {len(v.trace.steps)} steps" if v.trace else "",
              }.get(v.verdict, v.reason)
    return {"requirement": req_id, "verdict": v.verdict, "engine": v.engine,
            "detail": detail or v.reason}


def _hazard_entry(register: Register, h: Hazard, verdicts: Mapping[str, Any]
                  ) -> dict[str, Any]:
    controls, flags = [], []
    for c in h.controls:
        evidence = [_evidence(r, verdicts) for r in c.requirements]
        if c.kind != "pump":
            status = f"not proved: {c.kind} control"
        elif all(e["verdict"] == "proved" for e in evidence):
            status = "proved"
        else:
            status = "not proved"
            flags += [f"{e['requirement']} {e['verdict']}" for e in evidence
                      if e["verdict"] != "proved"]
        controls.append({"id": c.id, "kind": c.kind, "text": c.text,
                         "requirements": list(c.requirements), "evidence": evidence,
                         "status": status})
    policy = register.policy
    tree = next((t.name for t in register.fault_trees if t.hazard == h.id), None)
    return {"id": h.id, "title": h.title, "sequence": list(h.sequence), "situation": h.situation,
            "harm": h.harm, "sources": list(h.sources), "severity": h.severity,
            "before": {"probability": h.probability_before,
                       "risk": policy.risk(h.severity, h.probability_before)},
            "after": {"probability": h.probability_after,
                      "risk": policy.risk(h.severity, h.probability_after),
                      "acceptable": policy.risk(h.severity, h.probability_after)
                      in policy.acceptable},
            "controls": controls, "flagged": bool(flags), "flags": flags, "fault_tree": tree}


def _read_tree(register: Register, ref: TreeRef, trees_dir: str | Path | None) -> tuple[
        FaultTree, str]:
    path = Path(trees_dir) / Path(ref.file).name if trees_dir else register.tree_path(ref)
    shown = str(path) if trees_dir else ref.file
    tree = read_mef([path])
    if ref.top not in tree or tree.nodes[ref.top].get("kind") != "gate":
        raise InputError(shown, f"<define-gate name={ref.top!r}>", "the register's top gate is "
                         "not in this file", f"define gate {ref.top} or fix fault_trees.top in "
                         f"{register.path}")
    return tree, shown


def _check_numbers(tree: FaultTree, shown: str, data: FaultTreeData) -> None:
    """An authored basic event that is a model fault must carry the device's number."""
    by_event = data.by_basic_event()
    for name in basic_events(tree):
        e = by_event.get(name)
        if e is None:
            continue
        authored = event_probability(tree.nodes[name]["model"], data.mission_time_h)
        expected = data.probability(e.fault)
        if not math.isclose(authored, expected, rel_tol=PROBABILITY_TOLERANCE):
            raise InputError(shown, f"<define-basic-event name={name!r}>",
                             f"probability {authored:.6g} over the mission, but the device's "
                             f"fault data give {expected:.6g} ({e.model} {e.value}, {e.source})",
                             "use the device's number (fault_tree.events." + e.fault + ")")


def _tree_entry(device: Device, ref: TreeRef, tree: FaultTree, shown: str,
                data: FaultTreeData, cutsets: CutSetOptions | None, derive: bool,
                progress: Callable[[str], None] | None) -> dict[str, Any]:
    options = FtaOptions(top=ref.top, mission_time_h=float(data.mission_time_h),
                         list_sets=True, importance=True)
    authored = result_document(analyze(tree, options, shown))
    entry: dict[str, Any] = {"name": ref.name, "hazard": ref.hazard, "file": shown,
                             "top": ref.top, "mission_time_h": float(data.mission_time_h),
                             "authored": _strip_times(authored)}
    if not derive:
        entry["derived"] = None
        entry["disagreement"] = None
        return entry
    found = minimal_cut_sets(device, ref.hazard, cutsets, progress=progress)
    entry["derived"] = _derived_entry(found, data)
    entry["disagreement"] = disagreement(authored_sets(authored), found, data)
    return entry


def _strip_times(doc: dict[str, Any]) -> dict[str, Any]:
    """Times go to stderr and timings.json, never into a report (determinism)."""
    return {k: v for k, v in doc.items() if k != "time_s"}


def authored_sets(authored: Mapping[str, Any]) -> list[frozenset[str]]:
    """The authored tree's minimal cut sets, as sets of basic-event names."""
    return [frozenset(s) for s in authored["minimal_cut_sets"].get("sets", [])]


def derived_top(hazard: str) -> str:
    """The top gate of the model-derived tree of ``hazard``."""
    return f"MODEL_{hazard.replace('-', '_')}"


def derived_tree(found: HazardCutSets, data: FaultTreeData) -> FaultTree | None:
    """The model-derived fault tree: an OR of one AND per cut set, over the device's basic
    events (None when the model has no cut set: no fault combination breaks the hazard's
    requirements). Cut sets are never empty: a requirement broken with no fault is reported
    apart (``found.fault_free_violations``)."""
    if not found.cut_sets:
        return None
    tree = new_tree()
    top = derived_top(found.hazard)
    gates = []
    for i, cut in enumerate(found.cut_sets, 1):
        events = [data.events[f].basic_event for f in cut.faults]
        for f in cut.faults:
            e = data.events[f]
            add_basic_event(tree, e.basic_event, Constant(data.probability(f)),
                            source=f"{e.model} {e.value} ({e.source})")
            tree.nodes[e.basic_event]["label"] = e.description
        gate = f"{top}_CS{i}"
        add_gate(tree, gate, "and", events, source=f"cut set {i}: {cut.requirement}")
        tree.nodes[gate]["label"] = f"{' and '.join(cut.faults)} violate {cut.requirement}"
        gates.append(gate)
    add_gate(tree, top, "or", gates, source="model")
    tree.nodes[top]["label"] = f"A requirement of {found.hazard} is violated (from the model)"
    return tree


def _derived_entry(found: HazardCutSets, data: FaultTreeData) -> dict[str, Any]:
    tree = derived_tree(found, data)
    top = derived_top(found.hazard)
    fta = None if tree is None else _strip_times(result_document(analyze(tree, FtaOptions(
        top=top, mission_time_h=float(data.mission_time_h), list_sets=True, importance=True))))
    return {
        "requirements": list(found.requirements),
        "complete": found.complete, "complete_up_to": found.complete_up_to,
        "max_order": found.max_order, "status": found.status, "notes": list(found.notes),
        "queries": found.queries,
        "cut_sets": [{"faults": list(c.faults),
                      "basic_events": [data.events[f].basic_event for f in c.faults],
                      "requirement": c.requirement, "minimal": c.minimal,
                      "trace": json.loads(trace_to_json(c.trace))} for c in found.cut_sets],
        "fault_free_violations": [{"requirement": c.requirement,
                                   "trace": json.loads(trace_to_json(c.trace))}
                                  for c in found.fault_free_violations],
        "top": top,
        "fta": fta,
    }


def disagreement(authored: Sequence[frozenset[str]], found: HazardCutSets,
                 data: FaultTreeData) -> dict[str, list[dict[str, Any]]]:
    """Where the analyst's tree and the model differ.

    * ``missing_from_authored``: a model cut set that no authored cut set made only of model
      events is contained in (the analyst missed the path, or needs events the model does not);
    * ``not_in_model``: an authored cut set of model events only that the model proves cannot
      break the hazard's requirements (the tree is pessimistic, or the model incomplete);
    * ``outside_model``: authored cut sets with events the model does not have, and what the
      model says of their model part.
    """
    to_event = {f: data.events[f].basic_event for f in data.events}
    model_events = set(to_event.values())
    model_sets = [frozenset(to_event[f] for f in c.faults) for c in found.cut_sets]
    pure = [a for a in authored if a <= model_events]
    missing = []
    for cut, events in zip(found.cut_sets, model_sets, strict=True):
        if any(a <= events for a in pure):
            continue
        near = sorted(sorted(a - events) for a in authored if a & model_events <= events
                      and a & model_events)
        why = (f"the model violates {cut.requirement} with only these faults (witness run of "
               f"{len(cut.trace.steps)} steps)")
        if near:
            why += "; the authored tree needs besides: " + "; ".join(", ".join(n) for n in near)
        missing.append({"basic_events": sorted(events), "requirement": cut.requirement,
                        "evidence": why})
    not_in_model, outside = [], []
    for a in sorted(authored, key=lambda s: (len(s), sorted(s))):
        part = a & model_events
        verdict = _model_verdict(part, model_sets, found, {v: k for k, v in to_event.items()})
        if a <= model_events:
            if verdict["reaches"] is False:
                not_in_model.append({"basic_events": sorted(a), "evidence": verdict["evidence"]})
        else:
            outside.append({"basic_events": sorted(a), "model_part": sorted(part),
                            "evidence": verdict["evidence"]})
    return {"missing_from_authored": missing, "not_in_model": not_in_model,
            "outside_model": outside}


def _model_verdict(events: frozenset[str], model_sets: Sequence[frozenset[str]],
                   found: HazardCutSets, to_fault: Mapping[str, str]) -> dict[str, Any]:
    """Whether the model reaches the hazard with these events' faults permitted, and why."""
    hit = [s for s in model_sets if s <= events]
    if hit:
        return {"reaches": True, "evidence": "the model reaches it: contains the model cut set "
                + ", ".join(sorted(hit[0]))}
    faults = frozenset(to_fault[e] for e in events)
    if found.safe_for(faults):
        return {"reaches": False, "evidence": "every requirement of " + found.hazard
                + " is proved with " + (", ".join(sorted(faults)) or "no fault")
                + " permitted (certificates re-checked)"}
    return {"reaches": None, "evidence": "not settled: the cut-set search is "
            + found.status}


def _fault_data_entry(data: FaultTreeData) -> dict[str, Any]:
    return {"mission_time_h": data.mission_time_h, "mission_source": data.mission_source,
            "exposures_per_mission": data.exposures_per_mission,
            "exposures_source": data.exposures_source,
            "events": {f: {"basic_event": e.basic_event, "description": e.description,
                           "model": e.model, "value": e.value, "source": e.source,
                           "probability": data.probability(f)}
                       for f, e in data.events.items()}}


def _assumptions(device: Device, data: FaultTreeData) -> list[str]:
    """The A- rows the device parameters and fault data rest on."""
    return assumption_ids([*(p.source for p in device.params.values()),
                           *(e.source for e in data.events.values()),
                           data.mission_source, data.exposures_source])
