"""Findings the checks made on the reference device, kept as executable evidence: the
flex-reprogramming overdose (SR-OD-02) found in session 1, now reproduced on the device without
the daily limiter and refused on the reference device."""

from __future__ import annotations

import dataclasses

from conftest import DEVICES
from pumpsafe.model.device import Device, load_device, parse_device
from pumpsafe.model.interpreter import Interpreter
from pumpsafe.model.rules import build_model
from pumpsafe.model.state import MODE_FLEX, State
from pumpsafe.proofs.monitor import Monitor
from pumpsafe.proofs.requirements import by_id, catalogue


def _no_limiter() -> Device:
    """The reference device without its daily limiter (a seeded defect, SR-OD-02,
    ``tests/devices/unsafe_no_daily_limiter.toml``): the hard maximum is checked only on a flex
    schedule's average, and nothing counts a bolus against it."""
    return load_device(DEVICES / "unsafe_no_daily_limiter.toml")


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


def _titrated_flex_day(device: Device) -> State:
    """Titrate to the hard maximum at +30 % a day and align to the start of a day segment."""
    interp = Interpreter(build_model(device), {"dev_catheter_catheter_volume_ul": 0})
    od02 = by_id(catalogue(device), "SR-OD-02")
    # the faults SR-OD-02 assumes absent are off, as when verify proves it
    s = dataclasses.replace(interp.initial_state(),
                            **{"perm_" + f: False for f in od02.assumes_absent})
    dose = 100
    while dose < 1000:  # +30 % a day, one increase per 1440 min
        s = _infuse(interp, s, 1440)
        dose = min(1000, dose * 13 // 10)
        s = _program(interp, s, 1, dose, dose)
    while s.t_min % 1440:
        s = _infuse(interp, s, 60 if s.t_min % 60 == 0 else 1)
    return s


def test_flex_reprogramming_exceeds_the_daily_maximum_without_the_limiter() -> None:
    """SR-OD-02 is violated without the daily limiter: titrate to the hard maximum, run a
    flex schedule weighted to the day segment, and at the segment boundary move the weight to
    the night: the day window gets close to twice the maximum. No titration check sees it: the
    daily total never rises."""
    device = _no_limiter()
    model = build_model(device)
    interp = Interpreter(model, {"dev_catheter_catheter_volume_ul": 0})
    monitor = Monitor([by_id(catalogue(device), "SR-OD-02")], [r.name for r in model.rules],
                      interp.resolved)
    s = _titrated_flex_day(device)
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


def test_the_reference_device_refuses_a_flex_segment_above_the_maximum() -> None:
    """The daily limiter checks each flex segment's rate: the heavy segment of the finding is
    refused, while the same total split evenly is accepted."""
    device = load_device()
    interp = Interpreter(build_model(device), {"dev_catheter_catheter_volume_ul": 0})
    s = _titrated_flex_day(device)
    heavy = {"new_mode": MODE_FLEX, "dose_ug_per_day": 1952, "night_dose_ug_per_day": 48,
             "new_bolus_dose_ug": 0, "interval_entry": 1440, "interval_in_hours": False,
             "override": False, "confirm_decrease": False}
    assert interp.step("program", s, heavy) is None
    assert _program(interp, s, MODE_FLEX, 1000, 1000) is not None


def test_the_limiter_refuses_a_bolus_the_rest_of_the_window_cannot_absorb() -> None:
    """At the maximum rate a single bolus is skipped by the reference device's limiter (the
    rest of the window at the maximum leaves no room), and delivered without it."""
    for device, delivered in ((load_device(), False), (_no_limiter(), True)):
        interp = Interpreter(build_model(device), {"dev_catheter_catheter_volume_ul": 0})
        s = _titrated_flex_day(device)
        s = _infuse(interp, s, 60)
        s = interp.step("bolus", s, {"kind": 1, "dose_ug": 100, "volume_ul": 1})
        assert s is not None
        pre = s
        s = _infuse(interp, s, 1)
        basal = (pre.rate_ul_per_day * 1 + pre.rate_frac) // 1440
        assert (s.last_step_due_ul > basal) is delivered, device.name


def test_bmc_finds_a_short_bolus_overdose_without_the_limiter() -> None:
    """Without the limiter nothing counts a periodic bolus against the maximum: BMC finds a
    short run over the maximum, and it replays."""
    from pumpsafe.model.trace import replay
    from pumpsafe.proofs.checks import check_requirement

    device = _no_limiter()
    od02 = by_id(catalogue(device), "SR-OD-02")
    got = check_requirement(build_model(device), od02, "bmc", 60, 4)
    assert got.verdict == "violated" and got.trace is not None
    assert len(got.trace.steps) <= 4 and replay(got.trace) is None


def test_verify_reports_the_finding_from_its_scenario() -> None:
    """The scenario file of the finding makes verify report SR-OD-02 violated on the device
    without the daily limiter, with a trace that replays and ends in the violation."""
    from pumpsafe.model.trace import replay
    from pumpsafe.proofs.verify import Options, verify

    report = verify(_no_limiter(), Options(only=("SR-OD-02",), sanity=False, timeout_s=5))
    (v,) = report.verdicts
    assert v.verdict == "violated" and v.engine == "scenario"
    assert v.trace is not None and replay(v.trace) is None
    assert "flex-reprogramming" in v.reason


def test_verify_proves_the_daily_maximum_on_the_reference_device() -> None:
    """With the limiter, SR-OD-02 is proved on the reference device (the limiter's invariants
    and SR-OD-01's bound, proved together as one inductive certificate)."""
    from pumpsafe.proofs.verify import Options, verify

    report = verify(load_device(), Options(only=("SR-OD-02",), sanity=False, timeout_s=60))
    (v,) = report.verdicts
    assert v.verdict == "proved", v.reason
    assert "commanded_day_ng" in v.certificate


def test_a_scenario_not_enabled_on_the_device_says_nothing() -> None:
    """Where a step of the scenario is refused (a lower hard maximum stops its titration; the
    reference device's limiter refuses its flex segment) no verdict comes from it: the solvers
    decide alone."""
    from pumpsafe.proofs.scenarios import builtin_scenarios, known_violation

    bare = _no_limiter()
    doc = {k: dict(v) if isinstance(v, dict) else v for k, v in bare.document.items()}
    doc["programming"]["hard_max_daily_dose_ug"] = {"value": 600, "source": "test"}
    for device in (parse_device(doc, "hard max 600"), load_device()):
        od02 = by_id(catalogue(device), "SR-OD-02")
        assert known_violation(build_model(device), od02, od02.fault_permissions(device),
                               builtin_scenarios()) is None, device.name
    od02 = by_id(catalogue(bare), "SR-OD-02")
    assert known_violation(build_model(bare), od02, od02.fault_permissions(bare),
                           builtin_scenarios()) is not None


def test_titrated_fault_scenarios_break_the_daily_maximum_under_their_fault() -> None:
    """Each titrated-fault scenario takes a day window over the maximum on the reference device
    once its fault is permitted (how the cut-set search asks, its fault assumption dropped),
    and says nothing without it: the deep runs BMC cannot reach that make HZ-OD's cut sets of
    SR-OD-02 complete."""
    from pumpsafe.model.state import FAULTS
    from pumpsafe.proofs.scenarios import builtin_scenarios, first_violation

    device = load_device()
    model = build_model(device)
    od02 = dataclasses.replace(by_id(catalogue(device), "SR-OD-02"), assumes_absent=(),
                               survives=())
    scenarios = {s.name: s for s in builtin_scenarios()}
    for name, fault in (("titrated-overinfusion", "overinfusion"),
                        ("titrated-occlusion-release", "catheter_occlusion"),
                        ("titrated-kink-release", "catheter_kink")):
        with_fault = {f: f == fault for f in FAULTS}
        trace = first_violation(model, od02, scenarios[name], with_fault)
        assert trace is not None, name
        assert trace.steps[-1].state.delivered_day_ng > 1_145_000 + 2_290  # the bound
        assert first_violation(model, od02, scenarios[name], dict.fromkeys(FAULTS, False)) \
            is None, name
