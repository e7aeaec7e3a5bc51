"""``verify``: honest verdicts, replayable counterexamples, the CLI contract."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import DEVICES
from pumpsafe.model.device import load_device
from pumpsafe.model.rules import build_model
from pumpsafe.model.trace import Step, Trace
from pumpsafe.proofs.checks import sanity
from pumpsafe.proofs.children import FAULT_INJECTION_ENV
from pumpsafe.proofs.requirements import FAMILIES, catalogue
from pumpsafe.proofs.verify import EncodingMismatch, Options, confirm_trace, verify
from pumpsafe.reports.verify_output import report_json, report_junit


def _run(device: str | None, only: tuple[str, ...], timeout: float = 30.0) -> dict[str, object]:
    dev = load_device(device)
    report = verify(dev, Options(timeout_s=timeout, only=only, sanity=False))
    return {v.requirement.id: v for v in report.verdicts} | {"_report": report}


def test_catalogue_covers_every_family() -> None:
    reqs = catalogue(load_device())
    assert len(reqs) >= 30
    assert {r.family for r in reqs} == set(FAMILIES)
    assert len({r.id for r in reqs}) == len(reqs)


REFERENCE_SAMPLE = ("SR-OD-03", "SR-OD-04", "SR-WD-01", "SR-CF-01", "SR-CF-03", "SR-BE-01",
                    "SR-FL-06", "SR-PG-04", "SR-AL-04", "SR-AL-05")


def test_reference_device_proves_a_sample_of_every_kind() -> None:
    got = _run(None, REFERENCE_SAMPLE)
    for ident in REFERENCE_SAMPLE:
        v = got[ident]
        assert v.verdict == "proved", (ident, v.reason)  # type: ignore[attr-defined]
        assert v.certificate  # type: ignore[attr-defined]


# (unsafe device, requirement it must violate): the incidents of the domain brief
SEEDED = [
    ("unsafe_i01_bolus_interval", "SR-PG-04"),
    ("unsafe_i02_no_cap_interlock", "SR-OD-08"),
    ("unsafe_i05_pocket_fill", "SR-FL-05"),
    ("unsafe_i09_priming_volume", "SR-OD-04"),
    ("unsafe_i10_programmed_rate_alarm", "SR-AL-04"),
    ("unsafe_no_titration_limit", "SR-PG-02"),
    ("unsafe_p06_wrong_concentration", "SR-OD-03"),
    ("unsafe_a07_no_decrease_confirmation", "SR-WD-05"),
    ("unsafe_p03_no_reconciliation", "SR-CF-02"),
    ("unsafe_d06_short_eri_lead", "SR-BE-01"),
    ("unsafe_no_daily_limiter", "SR-OD-02"),
]


@pytest.mark.parametrize(("device", "ident"), SEEDED, ids=[s[0] for s in SEEDED])
def test_seeded_defects_are_violated_with_a_replaying_trace(device: str, ident: str) -> None:
    got = _run(str(DEVICES / f"{device}.toml"), (ident,))
    v = got[ident]
    assert v.verdict == "violated", v.reason  # type: ignore[attr-defined]
    trace = v.trace  # type: ignore[attr-defined]
    assert trace is not None and trace.violation == {"requirement": ident,
                                                     "step": len(trace.steps)}
    confirm_trace(build_model(trace.device), v.requirement, trace)  # type: ignore[attr-defined]


def test_the_same_requirements_hold_on_the_reference_device() -> None:
    got = _run(None, tuple(sorted({i for _, i in SEEDED})))
    assert {k: v.verdict for k, v in got.items() if k != "_report"} == {  # type: ignore[union-attr]
        i: "proved" for _, i in SEEDED}


def test_a_requirement_whose_premise_is_unreachable_is_vacuous() -> None:
    got = _run(str(DEVICES / "unsafe_i05_pocket_fill.toml"), ("SR-OD-06",))
    assert got["SR-OD-06"].verdict == "vacuous"  # type: ignore[attr-defined]
    assert got["_report"].exit_code() == 1  # type: ignore[attr-defined]


def test_a_tampered_counterexample_is_an_encoding_mismatch() -> None:
    got = _run(str(DEVICES / "unsafe_i09_priming_volume.toml"), ("SR-OD-04",))
    v = got["SR-OD-04"]
    trace: Trace = v.trace  # type: ignore[attr-defined]
    last = trace.steps[-1]
    wrong = Step(last.rule, last.params, dataclasses.replace(last.state, pending_bolus_ul=1))
    tampered = dataclasses.replace(trace, steps=(*trace.steps[:-1], wrong))
    with pytest.raises(EncodingMismatch):
        confirm_trace(build_model(trace.device), v.requirement, tampered)  # type: ignore[attr-defined]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pumpsafe", "verify", *args],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("fault", ["crash", "hang"])
def test_a_crashed_or_hung_solver_is_unknown_never_a_pass(fault: str) -> None:
    done = _cli("--only", "SR-OD-03", "--no-sanity", "--timeout", "0.5", "--json", "-",
                env={FAULT_INJECTION_ENV: fault})
    assert done.returncode == 3, done.stderr
    doc = json.loads(done.stdout)
    (entry,) = doc["requirements"]
    assert entry["verdict"] == "unknown"
    assert ("died" if fault == "crash" else "time limit") in entry["reason"]


def test_a_solver_time_out_is_unknown() -> None:
    done = _cli("--only", "SR-OD-01", "--no-sanity", "--timeout", "0.5", "--json", "-")
    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout)["requirements"][0]["verdict"] == "unknown"


def test_json_and_junit_follow_the_contract(tmp_path: Path) -> None:
    out, junit = tmp_path / "v.json", tmp_path / "v.xml"
    done = _cli("--device", str(DEVICES / "unsafe_i02_no_cap_interlock.toml"), "--only",
                "SR-OD-08", "--only", "SR-OD-03", "--no-sanity", "--json", str(out),
                "--junit", str(junit))
    assert done.returncode == 1, done.stderr
    doc = json.loads(out.read_text())
    assert doc["schema"] == "pumpsafe.verify/1"
    assert {"path", "sha256", "parameters"} <= set(doc["device"])
    assert {"pumpsafe", "z3"} <= set(doc["tool"])
    entries = {e["id"]: e for e in doc["requirements"]}
    assert entries["SR-OD-08"]["verdict"] == "violated"
    assert entries["SR-OD-08"]["trace"]["schema"] == "pumpsafe.trace/1"
    assert entries["SR-OD-03"]["verdict"] == "proved" and entries["SR-OD-03"]["certificate"]
    for e in entries.values():
        assert {"id", "family", "hazard", "statement", "verdict", "engine", "time_s"} <= set(e)
    assert doc["summary"] == {"proved": 1, "violated": 1, "vacuous": 0, "unknown": 0}
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    trace_file = tmp_path / "cex.json"
    trace_file.write_text(json.dumps(entries["SR-OD-08"]["trace"]))
    replayed = subprocess.run([sys.executable, "-m", "pumpsafe", "replay", str(trace_file)],
                              capture_output=True, text=True, timeout=60, check=False)
    assert replayed.returncode == 0, replayed.stderr


def test_unknown_requirement_id_is_bad_input() -> None:
    done = _cli("--only", "SR-XX-99", "--no-sanity")
    assert done.returncode == 2
    assert "SR-XX-99" in done.stderr and "Traceback" not in done.stderr


def test_every_rule_and_alarm_is_reachable_with_every_fault_permitted() -> None:
    found = sanity(build_model(load_device()), 10, 120)
    missing = sorted(n for n, k in found.items() if k is None)
    # the CAP needle interlock of the reference device makes the CAP injection unreachable
    assert missing == ["rule cap_injection"]


def test_a_rule_a_control_rules_out_is_disabled_not_unreached() -> None:
    """On the reference device the CAP needle interlock (D-15) rules out cap_injection in every
    state: sanity reports it as disabled, not as a rule it failed to reach; without the
    interlock nothing is disabled."""
    from pumpsafe.proofs.checks import disabled_rules

    assert disabled_rules(build_model(load_device())) == ["rule cap_injection"]
    assert disabled_rules(build_model(load_device(
        DEVICES / "unsafe_i02_no_cap_interlock.toml"))) == []


def test_reports_are_deterministic_apart_from_times() -> None:
    dev = load_device()
    a = verify(dev, Options(only=("SR-OD-03", "SR-CF-01"), sanity=False))
    b = verify(dev, Options(only=("SR-OD-03", "SR-CF-01"), sanity=False))
    for r in (a, b):
        for v in r.verdicts:
            v.time_s = 0.0
    assert report_json(a) == report_json(b) and report_junit(a) == report_junit(b)


def test_structural_checks_catch_a_planted_dependency() -> None:
    from pumpsafe.model.state import StateVars
    from pumpsafe.proofs import requirements as R

    model = build_model(load_device())
    assert R.no_alarm_reads_catheter(model) is None
    s = StateVars()
    review = model.rule("clinician_review")
    planted = dataclasses.replace(review, updates={**review.updates,
                                                   "alarm_empty": s.alarm_empty
                                                   | (s.catheter == 1)})
    bad = dataclasses.replace(model, rules=tuple(planted if r.name == "clinician_review"
                                                 else r for r in model.rules))
    problem = R.no_alarm_reads_catheter(bad)
    assert problem is not None and "alarm_empty" in problem


def test_alarm_class_check_catches_a_reclassified_alarm(monkeypatch: pytest.MonkeyPatch) -> None:
    from pumpsafe.proofs import requirements as R

    model = build_model(load_device())
    assert R.alarm_classes_fixed(model) is None
    monkeypatch.setattr(R, "CRITICAL_ALARMS", ("alarm_empty", "alarm_eos"))
    assert R.alarm_classes_fixed(model) is not None
