"""The model on the reference and unsafe devices: simulate, replay, determinism, physics."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEVICES
from pumpsafe.model.device import load_device
from pumpsafe.model.interpreter import Interpreter
from pumpsafe.model.rules import build_model
from pumpsafe.model.simulate import simulate
from pumpsafe.model.state import FIELD_NAMES, State
from pumpsafe.model.trace import replay, trace_from_json, trace_to_json

UNSAFE = sorted(DEVICES.glob("unsafe_*.toml"))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pumpsafe", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).parent.parent,
    )


def test_simulate_is_deterministic_and_replays(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert _cli("simulate", "--steps", "150", "--seed", "5", "--json", str(a)).returncode == 0
    assert _cli("simulate", "--steps", "150", "--seed", "5", "--json", str(b)).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    c = tmp_path / "c.json"
    assert _cli("simulate", "--steps", "150", "--seed", "6", "--json", str(c)).returncode == 0
    assert a.read_bytes() != c.read_bytes()
    done = _cli("replay", str(a))
    assert done.returncode == 0, done.stderr
    assert "every state matches" in done.stdout


def test_json_to_stdout_keeps_the_summary_on_stderr() -> None:
    done = _cli("simulate", "--steps", "3", "--json", "-")
    assert done.returncode == 0
    assert json.loads(done.stdout)["schema"] == "pumpsafe.trace/1"
    assert "steps: 3" in done.stderr


@pytest.mark.parametrize("tamper", ["state", "param", "initial", "resolved"])
def test_replay_rejects_a_tampered_trace(tmp_path: Path, tamper: str) -> None:
    path = tmp_path / "t.json"
    assert _cli("simulate", "--steps", "40", "--seed", "2", "--json", str(path)).returncode == 0
    doc = json.loads(path.read_text())
    if tamper == "state":
        doc["steps"][20]["state"]["reservoir_ul"] += 1
    elif tamper == "param":
        step = next(s for s in doc["steps"] if s["rule"] == "infuse")
        step["params"]["flow_ul"] = step["params"]["flow_ul"] + 100_000
    elif tamper == "initial":
        doc["initial_state"]["battery_min_left"] -= 1
    else:
        doc["device"]["resolved"]["catheter.catheter_volume_ul"] += 1
    path.write_text(json.dumps(doc))
    done = _cli("replay", str(path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "diverges at" in done.stderr


@pytest.mark.parametrize("device", UNSAFE, ids=[p.stem for p in UNSAFE])
def test_unsafe_devices_load_and_run(device: Path) -> None:
    trace = simulate(load_device(device), 60, seed=1)
    assert replay(trace_from_json(json.loads(trace_to_json(trace)), "mem")) is None


def _ref() -> tuple[Interpreter, State]:
    model = build_model(load_device())
    interp = Interpreter(model, {"dev_catheter_catheter_volume_ul": 100})
    return interp, interp.initial_state()


def test_a_day_at_nominal_flow_delivers_the_daily_dose_once_primed() -> None:
    interp, s = _ref()
    s = dataclasses.replace(s, dead_space_ul=0)
    s = interp.step("infuse", s, {"dt_min": 1440, "flow_ul": 200})
    assert s is not None
    assert s.delivered_day_ng == 100_000  # 100 ug/day at 500 ug/mL: 200 uL
    assert (s.reservoir_ul, s.believed_reservoir_ul) == (19_800, 20_000 - 229)


def test_flow_outside_the_band_is_not_enabled() -> None:
    interp, s = _ref()
    assert interp.step("infuse", s, {"dt_min": 1440, "flow_ul": 230}) is None
    assert interp.step("infuse", s, {"dt_min": 1440, "flow_ul": 170}) is None
    assert interp.step("infuse", s, {"dt_min": 1440, "flow_ul": 171}) is not None


def test_hourly_steps_deliver_exactly_the_daily_volume() -> None:
    interp, s = _ref()
    pumped = 0
    for _ in range(24):
        due = interp.param_range("infuse", s, {"dt_min": 60})[-1][1]
        nxt = interp.step("infuse", s, {"dt_min": 60, "flow_ul": (due[0] + due[1]) // 2})
        assert nxt is not None
        pumped += s.reservoir_ul - nxt.reservoir_ul
        s = nxt
    assert s.nominal_since_fill_ul == 200  # the remainder carries: no drift over the day


def test_occlusion_holds_drug_back_and_releases_it() -> None:
    interp, s = _ref()
    s = dataclasses.replace(s, dead_space_ul=0, catheter=1)
    s = interp.step("infuse", s, {"dt_min": 1440, "flow_ul": 200})
    assert s is not None and s.delivered_day_ng == 0 and s.held_ul == 200
    s = interp.step("occlusion_clears", s, {})
    assert s is not None and s.last_step_csf_ng == 100_000 and s.held_ul == 0


def test_the_pump_cannot_sense_the_catheter() -> None:
    """No guard or alarm update reads the catheter status (D-16), except the physics."""
    model = build_model(load_device())
    from pumpsafe.model.terms import free_vars

    for rule in model.rules:
        for name, term in rule.updates.items():
            if name.startswith("alarm_"):
                reads = free_vars(term)
                lets = dict(rule.lets)
                while any(r in lets for r in reads):
                    reads = set().union(*(free_vars(lets[r]) if r in lets else {r} for r in reads))
                assert "catheter" not in reads, (rule.name, name)


def test_every_state_field_is_named_in_the_reference_initial_state() -> None:
    _, s = _ref()
    assert set(FIELD_NAMES) == {f.name for f in dataclasses.fields(s)}
    assert s.perm_cap_injection and not s.perm_pocket_fill
