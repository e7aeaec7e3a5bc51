"""``pumpsafe fta`` command line: exit codes, JSON schema, output streams."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pumpsafe.cli_fta import fta

DATA = Path(__file__).parent / "data" / "openpsa"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(fta, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_to_stdout_has_the_schema_fields() -> None:
    code, out, err = _run(str(DATA / "chinese.xml"), "--json", "-", "--cut-sets", "--importance")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema"] == "pumpsafe.fta/1"
    assert doc["top_event"] == "r1"
    assert doc["probability_method"] == "bdd-exact"
    assert abs(doc["probability"] - 0.00117058181) < 1.18e-9
    assert set(doc["approximations"]) >= {"rare_event", "mcub"}
    mcs = doc["minimal_cut_sets"]
    assert mcs["kind"] == "minimal-cut-sets" and mcs["count"] == 392
    assert mcs["order_distribution"] == {"2": 12, "4": 24, "5": 188, "6": 168}
    assert len(mcs["sets"]) == 392
    assert mcs["sets"] == sorted(mcs["sets"], key=lambda s: (len(s), s))
    assert all(s == sorted(s) for s in mcs["sets"])
    assert set(doc["importance"]["e1"]) == {
        "birnbaum",
        "fussell_vesely",
        "criticality",
        "raw",
        "rrw",
    }
    assert isinstance(doc["bdd_nodes"], int) and isinstance(doc["time_s"], dict)
    assert "probability" in err  # human summary moved to stderr


def test_non_coherent_tree_reports_prime_implicants_and_positive_count() -> None:
    code, out, _ = _run(str(DATA / "das9601.xml"), "--json", "-")
    assert code == 0
    mcs = json.loads(out)["minimal_cut_sets"]
    assert mcs["positive_literal_count"] == 4259
    assert mcs["kind"] in ("prime-implicants", "minimal-cut-sets")
    if mcs["kind"] == "minimal-cut-sets":
        assert "prime implicants not computed" in mcs["note"]


def test_json_file_and_human_output(tmp_path: Path) -> None:
    out_file = tmp_path / "r.json"
    code, out, _ = _run(str(DATA / "das9205.xml"), "--json", str(out_file), "--max-order", "5")
    assert code == 0
    assert "probability (exact)" in out
    doc = json.loads(out_file.read_text())
    assert doc["minimal_cut_sets"]["count"] == 0
    assert doc["minimal_cut_sets"]["truncation"]["dropped"] == 17280


def test_json_output_is_deterministic() -> None:
    def strip(text: str) -> dict[str, object]:
        doc = json.loads(text)
        doc.pop("time_s")
        return dict(doc)

    first = _run(str(DATA / "isp9605.xml"), "--json", "-", "--importance")[1]
    second = _run(str(DATA / "isp9605.xml"), "--json", "-", "--importance")[1]
    assert strip(first) == strip(second)
    assert "NaN" not in first and "Infinity" not in first


def test_infinite_rrw_is_null() -> None:
    code, out, _ = _run(str(DATA / "das9205.xml"), "--json", "-", "--importance")
    assert code == 0
    assert json.loads(out)["importance"]["e26"]["rrw"] is None


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text('<opsa-mef><define-event-tree name="x"/></opsa-mef>')
    code, _, err = _run(str(bad))
    assert code == 2
    assert err.startswith("pumpsafe fta: error: ") and "not supported" in err
    assert "Traceback" not in err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _run()[0] == 2
    assert _run(str(DATA / "chinese.xml"), "--cutoff", "2")[0] == 2
    code, _, err = _run(str(DATA / "chinese.xml"), "--top", "nope")
    assert code == 2 and "no such gate" in err


def test_several_top_gates_is_an_error(tmp_path: Path) -> None:
    model = tmp_path / "two.xml"
    model.write_text(
        '<opsa-mef><define-fault-tree name="t">'
        '<define-gate name="g1"><or><basic-event name="a"/>'
        '<basic-event name="b"/></or></define-gate>'
        '<define-gate name="g2"><and><basic-event name="a"/>'
        '<basic-event name="b"/></and></define-gate>'
        '<define-basic-event name="a"><float value="0.1"/></define-basic-event>'
        '<define-basic-event name="b"><float value="0.2"/></define-basic-event>'
        "</define-fault-tree></opsa-mef>"
    )
    code, _, err = _run(str(model))
    assert code == 2 and "g1, g2" in err
    assert _run(str(model), "--top", "g2")[0] == 0


def test_fta_command_imports_neither_prover() -> None:
    """The console script imports a sub-command's module only when it runs: ``pumpsafe fta``
    pays for neither Z3 nor Hypothesis (0.3 s of imports), and the lazy group still runs it."""
    code = (
        "import sys\n"
        "from pumpsafe.cli import cli\n"
        "cli.main(['fta', sys.argv[1]], standalone_mode=False)\n"
        "print(sorted(m for m in ('z3', 'hypothesis') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(DATA / "chinese.xml")],
        capture_output=True, text=True, check=True, timeout=120,
    )
    assert "probability (exact)" in done.stdout
    assert done.stdout.rstrip().endswith("[]"), done.stdout
