"""Findings the checks made on the reference device, kept as executable evidence."""

from __future__ import annotations

import dataclasses

from pumpsafe.model.device import load_device
from pumpsafe.model.interpreter import Interpreter
from pumpsafe.model.rules import build_model
from pumpsafe.model.state import MODE_FLEX, State
from pumpsafe.proofs.monitor import Monitor
from pumpsafe.proofs.requirements import by_id, catalogue


def _program(interp: Interpreter, s: State, mode: int, day: int, night: int) -> State:
    args = {"new_mode": mode, "dose_ug_per_day": day, "night_dose_ug_per_day": night,
            "new_bolus_dose_ug": 0, "interval_entry": 1440, "interval_in_hours": False,
            "override": False, "confirm_decrease": False}
    nxt = interp.step("program", s, args)
    assert nxt is not None, interp.explain("program", s, args)
    return nxt


def _infuse(interp: Interpreter, s: State, dt: int) -> State:
    _, hi = interp.param_range("infuse", s, {"dt_min": dt})[-1][1]
    nxt = interp.step("infuse", s, {"dt_min": dt, "flow_ul": hi})
    assert nxt is not None, interp.explain("infuse", s, {"dt_min": dt, "flow_ul": hi})
    return nxt


def test_flex_reprogramming_exceeds_the_daily_maximum_on_the_reference_device() -> None:
    """SR-OD-02 is violated on the reference device (verify reports it unknown: BMC cannot
    reach a 40-step run). Titrate to the hard maximum, run a flex schedule weighted to the day
    segment, and at the segment boundary move the weight to the night: the day window gets
    close to twice the maximum. No titration check sees it: the daily total never rises."""
    device = load_device()
    model = build_model(device)
    interp = Interpreter(model, {"dev_catheter_catheter_volume_ul": 0})
    od02 = by_id(catalogue(device), "SR-OD-02")
    monitor = Monitor([od02], [r.name for r in model.rules], interp.resolved)
    # the faults SR-OD-02 assumes absent are off, as when verify proves it
    s = dataclasses.replace(interp.initial_state(),
                            **{"perm_" + f: False for f in od02.assumes_absent})
    dose = 100
    while dose < 1000:  # +30 % a day, one increase per 1440 min
        s = _infuse(interp, s, 1440)
        dose = min(1000, dose * 13 // 10)
        s = _program(interp, s, 1, dose, dose)
    # align to the start of the day segment, then a flex day heavy in the day segment
    while s.t_min % 1440:
        s = _infuse(interp, s, 60 if s.t_min % 60 == 0 else 1)
    s = _program(interp, s, MODE_FLEX, 1952, 48)
    flagged = False
    for _ in range(12):
        pre, s = s, _infuse(interp, s, 60)
        flagged |= "SR-OD-02" in monitor.violated_in_step(pre, "infuse", s)
    s = _program(interp, s, MODE_FLEX, 48, 1952)  # same daily total: not an increase
    for _ in range(12):
        pre, s = s, _infuse(interp, s, 60)
        flagged |= "SR-OD-02" in monitor.violated_in_step(pre, "infuse", s)
    assert flagged
    assert s.delivered_day_ng > 1_145_000 * 3 // 2


def test_verify_reports_the_finding_from_its_scenario() -> None:
    """The scenario file of the finding makes verify report SR-OD-02 violated on the reference
    device, with a trace that replays and ends in the violation (verify confirms it)."""
    from pumpsafe.model.trace import replay
    from pumpsafe.proofs.verify import Options, verify

    report = verify(load_device(), Options(only=("SR-OD-02",), sanity=False, timeout_s=5))
    (v,) = report.verdicts
    assert v.verdict == "violated" and v.engine == "scenario"
    assert v.trace is not None and replay(v.trace) is None
    assert "flex-reprogramming" in v.reason


def test_a_scenario_not_enabled_on_the_device_says_nothing() -> None:
    """With a lower hard maximum the scenario's titration is refused at some step: no verdict
    comes from it (the solvers decide alone)."""
    from pumpsafe.model.device import parse_device
    from pumpsafe.proofs.scenarios import builtin_scenarios, known_violation

    ref = load_device()
    doc = {k: dict(v) if isinstance(v, dict) else v for k, v in ref.document.items()}
    doc["programming"]["hard_max_daily_dose_ug"] = {"value": 600, "source": "test"}
    device = parse_device(doc, "hard max 600")
    od02 = by_id(catalogue(device), "SR-OD-02")
    model = build_model(device)
    assert known_violation(model, od02, od02.fault_permissions(device),
                           builtin_scenarios()) is None
    ref_od02 = by_id(catalogue(ref), "SR-OD-02")
    assert known_violation(build_model(ref), ref_od02, ref_od02.fault_permissions(ref),
                           builtin_scenarios()) is not None
