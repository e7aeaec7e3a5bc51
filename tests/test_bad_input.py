"""Every bad input gives one clear message naming file, field and fix, and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pumpsafe.model.device import reference_device_path

from pumpsafe.cli import _register_commands, cli

REF = reference_device_path().read_text(encoding="utf-8")
_register_commands()


def _edit(old: str, new: str) -> str:
    assert old in REF, old
    return REF.replace(old, new, 1)


# (name, device file text, fragments the message must contain)
DEVICE_CORPUS = [
    ("malformed_toml", REF + "\n[broken\n", ["not valid TOML"]),
    ("not_utf8", 'schema = "\xff"', []),
    ("wrong_schema", _edit('schema = "pumpsafe.device/1"', 'schema = "other/9"'), ["schema"]),
    ("unknown_top_key", 'colour = "blue"\n' + REF, ["colour", "unknown key"]),
    (
        "unknown_param",
        _edit("[reservoir]\n", '[reservoir]\nvolume_l = { value = 1, source = "x" }\n'),
        ["reservoir.volume_l", "unknown parameter", "allowed"],
    ),
    (
        "missing_param",
        _edit('low_alarm_ul = { value = 2000, source = "A-02" }', ""),
        ["reservoir.low_alarm_ul", "missing"],
    ),
    (
        "missing_source",
        _edit(
            'low_alarm_ul = { value = 2000, source = "A-02" }', "low_alarm_ul = { value = 2000 }"
        ),
        ["low_alarm_ul.source", "source"],
    ),
    (
        "float_value",
        _edit("low_alarm_ul = { value = 2000,", "low_alarm_ul = { value = 2.5,"),
        ["low_alarm_ul.value", "whole number"],
    ),
    (
        "out_of_range",
        _edit("capacity_ul = { value = 20000,", "capacity_ul = { value = 5,"),
        ["capacity_ul.value", "out of range", "1000"],
    ),
    (
        "bad_enum",
        _edit('value = "worst_case"', 'value = "typical"'),
        ["believed_volume_basis.value", "worst_case"],
    ),
    (
        "bad_bool",
        _edit("fill_volume_check = { value = true,", "fill_volume_check = { value = 1,"),
        ["fill_volume_check.value", "true or false"],
    ),
    (
        "range_on_bool",
        _edit("fill_volume_check = { value = true,", "fill_volume_check = { min = 0, max = 1,"),
        ["cannot be a range"],
    ),
    (
        "inverted_range",
        _edit(
            "catheter_volume_ul = { min = 0, max = 200,",
            "catheter_volume_ul = { min = 300, max = 200,",
        ),
        ["above max"],
    ),
    (
        "value_and_range",
        _edit(
            "catheter_volume_ul = { min = 0, max = 200,",
            "catheter_volume_ul = { value = 5, min = 0, max = 200,",
        ),
        ["either value or both min and max"],
    ),
    (
        "conc_not_in_set",
        _edit("conc_ug_per_ml = { value = 500,", "conc_ug_per_ml = { value = 700,"),
        ["initial.conc_ug_per_ml", "configured products"],
    ),
    ("unsorted_list", _edit("[50, 500, 1000, 2000]", "[500, 50]"), ["strictly increasing"]),
    (
        "overfilled",
        _edit("fill_ul = { value = 20000,", "fill_ul = { value = 30000,"),
        ["initial.fill_ul", "capacity"],
    ),
    (
        "misaligned_step",
        _edit("[1, 10, 60, 1440, 43200]", "[1, 7, 60]"),
        ["model.step_choices_min", "7"],
    ),
    (
        "unknown_fault",
        _edit("cap_injection = true", "cap_injection = true\ngremlins = true"),
        ["faults.gremlins", "unknown fault"],
    ),
    ("missing_fault", _edit("memory_error = true\n", ""), ["faults.memory_error", "missing"]),
    (
        "nonlinear_range",
        _edit("accuracy_permille = { value = 145,", "accuracy_permille = { min = 100, max = 145,"),
        ["flow.accuracy_permille", "nonlinearly", "single value"],
    ),
    (
        "periodic_at_implant",
        _edit('mode = { value = "continuous"', 'mode = { value = "periodic"'),
        ["initial.mode"],
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "fragments"), DEVICE_CORPUS, ids=[c[0] for c in DEVICE_CORPUS]
)
def test_bad_device_files(tmp_path: Path, name: str, text: str, fragments: list[str]) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_bytes(text.encode("latin-1") if name == "not_utf8" else text.encode())
    result = CliRunner().invoke(cli, ["simulate", "--device", str(path), "--steps", "3"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("pumpsafe simulate: error: ")
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message


def _trace_text(tmp_path: Path) -> str:
    out = tmp_path / "t.json"
    assert CliRunner().invoke(cli, ["simulate", "--steps", "5", "--json", str(out)]).exit_code == 0
    return out.read_text()


BAD_TRACES = [
    ("missing_file", None, ["file not found"]),
    ("not_json", "{nope", ["not valid JSON", "line 1"]),
    ("wrong_schema", '{"schema": "x"}', ["not a pumpsafe trace"]),
    (
        "steps_not_list",
        lambda t: t.replace('"steps": [', '"steps": {"a": [', 1).replace(
            '],\n "violation"', ']},\n "violation"'
        ),
        ["steps"],
    ),
    ("state_missing_field", lambda t: t.replace('"t_min":', '"t_minutes":', 1), ["initial_state"]),
    (
        "bool_as_int",
        lambda t: t.replace('"alarm_eri":false', '"alarm_eri":0', 1),
        ["steps[0].state", "alarm_eri"],
    ),
    (
        "bad_device_inside",
        lambda t: t.replace(
            '"capacity_ul": {\n     "value": 20000', '"capacity_ul": {\n     "value": -1', 1
        ),
        ["device.document", "capacity_ul"],
    ),
]


@pytest.mark.parametrize(("name", "edit", "fragments"), BAD_TRACES, ids=[b[0] for b in BAD_TRACES])
def test_bad_trace_files(tmp_path: Path, name: str, edit: object, fragments: list[str]) -> None:
    path = tmp_path / f"{name}.json"
    if edit is not None:
        text = edit(_trace_text(tmp_path)) if callable(edit) else str(edit)
        path.write_text(text)
    result = CliRunner().invoke(cli, ["replay", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = result.output.strip().splitlines()[-1]
    for fragment in fragments:
        assert fragment in message, message


def test_bad_scenario_step_names_the_step(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(
        json.dumps(
            {
                "schema": "pumpsafe.scenario/1",
                "steps": [
                    {"rule": "infuse", "params": {"dt_min": 60, "flow_ul": 8}},
                    {"rule": "infuse", "params": {"dt_min": 7, "flow_ul": 8}},
                ],
            }
        )
    )
    result = CliRunner().invoke(cli, ["simulate", "--scenario", str(scenario)])
    assert result.exit_code == 2, result.output
    assert "steps[1]" in result.output and "dt_min=7" in result.output


def test_usage_errors_exit_2() -> None:
    assert CliRunner().invoke(cli, ["simulate", "--steps", "-4"]).exit_code == 2
    assert CliRunner().invoke(cli, ["replay"]).exit_code == 2
