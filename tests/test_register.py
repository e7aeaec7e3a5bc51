"""The hazard register and the device's fault data: the built-in ones validate, and every kind of
bad input gives one clear error naming the file, the field and the fix (exit 2, no traceback)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pumpsafe.hazards.register import builtin_register_path, check_references, load_register
from pumpsafe.model.device import load_device, reference_device_path
from pumpsafe.model.errors import InputError
from pumpsafe.model.fault_data import fault_tree_data
from pumpsafe.model.state import FAULTS
from pumpsafe.proofs.requirements import catalogue

from pumpsafe.cli import _register_commands, cli
from pumpsafe.pipeline import prepare, risk_file

_register_commands()
REGISTER = builtin_register_path().read_text(encoding="utf-8")
TREES = builtin_register_path().parent / "trees"


def test_builtin_register_validates_and_covers_the_catalogue() -> None:
    register = load_register()
    ids = [r.id for r in catalogue(load_device())]
    check_references(register, ids)
    assert {h.id for h in register.hazards} >= {"HZ-OD", "HZ-WD", "HZ-CF", "HZ-BE", "HZ-CONC",
                                                 "HZ-ALM", "HZ-SW", "HZ-INF"}
    assert {t.hazard for t in register.fault_trees} == {"HZ-OD", "HZ-WD", "HZ-CF", "HZ-BE"}
    inf = next(h for h in register.hazards if h.id == "HZ-INF")
    assert all(c.kind != "pump" for c in inf.controls)  # outside the pump's logic


def _edit(old: str, new: str) -> str:
    assert old in REGISTER, old
    return REGISTER.replace(old, new, 1)


REGISTER_CORPUS = [
    ("unknown_requirement", _edit('requirements = ["SR-OD-08"]', 'requirements = ["SR-OD-99"]'),
     ["SR-OD-99", "not in the catalogue"]),
    ("orphan_requirement", _edit('requirements = ["SR-OD-08"]', 'requirements = ["SR-OD-01"]'),
     ["SR-OD-08", "controls no hazard"]),
    ("severity_off_scale", _edit('severity = "catastrophic"', 'severity = "deadly"'),
     ["hazards[HZ-OD].severity", "not on the scale", "catastrophic"]),
    ("probability_off_scale", _edit('probability_after = "remote"', 'probability_after = "rare"'),
     ["probability_after", "remote"]),
    ("short_matrix_row", _edit('minor        = ["acceptable", "acceptable", "acceptable", "alarp", '
                               '"alarp"]', 'minor = ["acceptable"]'), ["policy.matrix.minor", "5"]),
    ("bad_control_kind", _edit('kind = "labelling"', 'kind = "hope"'), ["kind", "procedure"]),
    ("procedure_with_requirements", _edit(
        'kind = "labelling"\ntext', 'kind = "labelling"\nrequirements = ["SR-FL-01"]\ntext'),
        ["labelling control lists requirements"]),
    ("duplicate_hazard", _edit('id = "HZ-INF"', 'id = "HZ-OD"'), ["HZ-OD appears twice"]),
    ("tree_outside_folder", _edit('file = "trees/overdose.xml"', 'file = "../../etc/passwd"'),
     ["leaves the register's folder"]),
    ("wrong_schema", _edit('schema = "pumpsafe.register/1"', 'schema = "x"'), ["schema"]),
]


@pytest.mark.parametrize("name,text,fragments", REGISTER_CORPUS, ids=[c[0] for c in
                                                                      REGISTER_CORPUS])
def test_bad_register_is_a_clear_error(tmp_path: Path, name: str, text: str,
                                       fragments: list[str]) -> None:
    path = tmp_path / "register.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "trees").symlink_to(TREES)
    with pytest.raises(InputError) as info:
        prepare(load_device(), path)
    message = info.value.message()
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message


def test_authored_number_must_match_the_device(tmp_path: Path) -> None:
    trees = tmp_path / "trees"
    trees.mkdir()
    for f in TREES.iterdir():
        text = f.read_text(encoding="utf-8")
        (trees / f.name).write_text(text.replace('"1267e-9"', '"9999e-9"'), encoding="utf-8")
    with pytest.raises(InputError) as info:
        prepare(load_device(), None, trees)
    message = info.value.message()
    assert "CATHETER_OCCLUSION" in message and "F-11" in message and "fault_tree.events" \
        in message


def test_cli_bad_register_exits_2_before_any_proof(tmp_path: Path) -> None:
    path = tmp_path / "register.toml"
    path.write_text(REGISTER.replace('severity = "catastrophic"', 'severity = "deadly"', 1),
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["hazards", "--register", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "not on the scale" in result.output
    assert "verifying" not in result.output


def test_fault_data_of_the_reference_device() -> None:
    data = fault_tree_data(load_device().document, "reference")
    assert set(data.events) == set(FAULTS)
    occ = data.events["catheter_occlusion"]
    assert occ.model == "rate_fit" and occ.source.startswith("F-11")
    assert math.isclose(data.probability("catheter_occlusion"),
                        1 - math.exp(-1267e-9 * 8766))
    assert math.isclose(data.probability("pocket_fill"), 1 - (1 - 1e-4) ** 4)
    assert data.probability("overinfusion") == pytest.approx(1.6e-3)


@pytest.mark.parametrize("old,new,fragments", [
    ('rate_fit = { value = 1267, source = "F-11: 2.0e-2 /patient-year x 5/9 occlusions" }',
     'rate_fit = { value = 1.5, source = "F-11" }', ["catheter_occlusion.rate_fit.value",
                                                     "integer"]),
    ('basic_event = "CATHETER_KINK"', 'basic_event = "CATHETER_OCCLUSION"',
     ["named twice"]),
    ('ppm_per_mission = { value = 60, source', 'rate_fit = { value = 1, source = "x" }\n'
     'ppm_per_mission = { value = 60, source', ["2 probability models"]),
], ids=["float_rate", "duplicate_event", "two_models"])
def test_bad_fault_data_is_a_clear_error(tmp_path: Path, old: str, new: str,
                                         fragments: list[str]) -> None:
    text = reference_device_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "device.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_device(path)
    for fragment in fragments:
        assert fragment in info.value.message()


def test_unproved_pump_control_is_flagged() -> None:
    """With no verify run, no pump-enforced control is proved: every hazard with one is flagged
    and the exit code says so; procedure-only hazards are not."""
    doc = risk_file(load_device(), None, derive=False)
    by_id = {h["id"]: h for h in doc["hazards"]}
    assert by_id["HZ-OD"]["flagged"] and doc["exit_code"] == 1
    assert "SR-OD-01 not run" in by_id["HZ-OD"]["flags"]
    assert not by_id["HZ-INF"]["flagged"]
    assert by_id["HZ-INF"]["controls"][0]["status"] == "not proved: procedure control"
    assert doc["risk_policy"]["matrix"]["catastrophic"]["remote"] == "alarp"
    assert by_id["HZ-OD"]["after"]["risk"] == "alarp"
    trees = {t["name"]: t for t in doc["fault_trees"]}
    overdose = trees["overdose"]["authored"]
    assert overdose["probability"] == pytest.approx(0.00758825, rel=1e-5)  # SCRAM 0.16.2 agrees
    assert overdose["minimal_cut_sets"]["count"] == 5
    assert "A-09" in doc["assumptions"] and "A-11" in doc["assumptions"]


def test_cli_hazards_json_and_exit_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's wiring (verify is stubbed: nothing proved, so every hazard with a pump
    control is flagged and the exit code is 1; the cut-set search is skipped for time)."""
    import json

    from pumpsafe.proofs import verify as verify_module

    from pumpsafe import cli_hazards

    def no_proofs(device: object, _opts: object) -> verify_module.Report:
        return verify_module.Report(device, [], {}, "skipped")  # type: ignore[arg-type]

    monkeypatch.setattr(cli_hazards, "verify", no_proofs)
    out = tmp_path / "h.json"
    result = CliRunner().invoke(cli, ["hazards", "--no-derive", "--json", str(out)])
    assert result.exit_code == 1, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schema"] == "pumpsafe.hazards/1" and doc["exit_code"] == 1
    assert "HZ-OD" in result.output and "FLAGGED" in result.output
    assert {t["name"] for t in doc["fault_trees"]} == {
        "overdose", "withdrawal", "catheter_fault_undetected", "battery_end_unannounced"}


def test_a_fault_tree_the_bdd_cannot_quantify_exactly_is_refused_not_bounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The report quotes exact probabilities; a tree analysed only by the truncated fallback
    (bounds) is a clear error, not a lower bound shown as the probability."""
    from pumpsafe.reports import fault_trees

    real = fault_trees.analyze

    def truncated(tree: Any, options: Any, source: str = "<tree>") -> Any:
        return real(tree, dataclasses.replace(options, force_truncated=True), source)

    monkeypatch.setattr(fault_trees, "analyze", truncated)
    path = builtin_register_path().parent / "trees" / "overdose.xml"
    with pytest.raises(InputError, match="too large for an exact probability"):
        fault_trees.analyze_file(fault_trees.TreeFile(path, "overdose.xml"))
