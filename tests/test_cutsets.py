"""Model-derived minimal cut sets and the disagreement report.

The search runs on the reference device with four candidate faults (the full thirteen are
measured in bench/cutsets.py); the disagreement report must catch a cut set deleted on purpose
from the authored withdrawal tree.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pumpsafe.hazards import FtaOptions, analyze, read_mef, result_document
from pumpsafe.hazards.register import builtin_register_path
from pumpsafe.model.device import load_device
from pumpsafe.model.fault_data import fault_tree_data
from pumpsafe.model.trace import replay
from pumpsafe.proofs.cutsets import (
    CutSetOptions,
    HazardCutSets,
    minimal_cut_sets,
    minimal_transversals,
    settled_up_to,
    with_permission,
)

from pumpsafe.pipeline import authored_sets, derived_tree, disagreement

TREES = builtin_register_path().parent / "trees"
CANDIDATES = ("catheter_occlusion", "motor_stall", "overinfusion", "pocket_fill")


def fs(*xs: str) -> frozenset[str]:
    return frozenset(xs)


def test_minimal_transversals() -> None:
    assert minimal_transversals([]) == [fs()]
    assert minimal_transversals([fs("a"), fs("b")]) == [fs("a", "b")]
    assert minimal_transversals([fs("a", "b"), fs("c")]) == [fs("a", "c"), fs("b", "c")]
    assert minimal_transversals([fs("a", "b"), fs("a", "c")]) == [fs("a"), fs("b", "c")]


def test_settled_up_to() -> None:
    cands = ("a", "b", "c")
    assert settled_up_to(cands, [fs("a")], [fs("b", "c")], 3) == 3
    assert settled_up_to(cands, [fs("a")], [fs("b"), fs("c")], 3) == 1  # {b, c} unsettled
    assert settled_up_to(cands, [], [], 3) == -1


@pytest.fixture(scope="module")
def withdrawal() -> HazardCutSets:
    return minimal_cut_sets(load_device(), "HZ-WD", CutSetOptions(workers=2),
                            candidates=CANDIDATES)


def test_withdrawal_cut_sets_are_found_complete_and_replay(withdrawal: HazardCutSets) -> None:
    assert [c.faults for c in withdrawal.cut_sets] == [("overinfusion",), ("pocket_fill",)]
    assert withdrawal.complete, withdrawal.notes
    for cut in withdrawal.cut_sets:
        assert replay(cut.trace) is None
        assert cut.trace.violation is not None
        assert cut.trace.violation["requirement"] == cut.requirement
        assert {f for f in CANDIDATES if getattr(cut.trace.initial, "perm_" + f)} \
            == set(cut.faults)
    # the other candidates are proved harmless for every requirement, together
    assert withdrawal.safe_for(fs("catheter_occlusion", "motor_stall"))
    assert not withdrawal.safe_for(fs("overinfusion"))


def _authored(tmp_path: Path, drop: str | None) -> list[frozenset[str]]:
    text = (TREES / "withdrawal.xml").read_text(encoding="utf-8")
    if drop:
        line = f'      <basic-event name="{drop}"/>\n'
        assert text.count(line) == 1  # under the dry reservoir
        text = text.replace(line, "", 1)
    path = tmp_path / "withdrawal.xml"
    path.write_text(text, encoding="utf-8")
    tree = read_mef([path])
    return authored_sets(result_document(analyze(tree, FtaOptions(top="WITHDRAWAL",
                                                                  list_sets=True))))


def test_disagreement_report(withdrawal: HazardCutSets, tmp_path: Path) -> None:
    data = fault_tree_data(load_device().document, "reference")
    report = disagreement(_authored(tmp_path, None), withdrawal, data)
    assert report["missing_from_authored"] == []
    pessimistic = {tuple(x["basic_events"]) for x in report["not_in_model"]}
    # the pump's requirements hold under a silent catheter occlusion and a motor stall: the
    # analyst's tree charges them to the hazard, the model does not (evidence: proofs)
    assert ("CATHETER_OCCLUSION",) in pessimistic and ("MOTOR_STALL",) in pessimistic
    assert all("proved" in x["evidence"] for x in report["not_in_model"])
    outside = {tuple(x["basic_events"]) for x in report["outside_model"]}
    assert ("ALARM_NOT_PERCEIVED", "MISSED_REFILL") in outside


def test_disagreement_catches_a_cut_set_removed_from_the_authored_tree(
        withdrawal: HazardCutSets, tmp_path: Path) -> None:
    data = fault_tree_data(load_device().document, "reference")
    report = disagreement(_authored(tmp_path, "POCKET_FILL"), withdrawal, data)
    missing = report["missing_from_authored"]
    assert [m["basic_events"] for m in missing] == [["POCKET_FILL"]]
    assert "witness run" in missing[0]["evidence"]


def test_derived_tree_is_quantified(withdrawal: HazardCutSets) -> None:
    data = fault_tree_data(load_device().document, "reference")
    tree = derived_tree(withdrawal, data)
    assert tree is not None
    result = analyze(tree, FtaOptions(top="MODEL_HZ_WD", mission_time_h=8766))
    p_over, p_pocket = data.probability("overinfusion"), data.probability("pocket_fill")
    assert result.probability == pytest.approx(1 - (1 - p_over) * (1 - p_pocket), rel=1e-12)
    assert result.cut_sets.count == 2


def test_a_permission_the_run_does_without_is_dropped_without_a_query(
    withdrawal: HazardCutSets,
) -> None:
    """The shrink's query-free step: a run replays with a permission it does not use switched
    off (or on), and not without the fault it uses."""
    pocket = next(c for c in withdrawal.cut_sets if c.faults == ("pocket_fill",))
    assert replay(pocket.trace) is None
    wider = with_permission(pocket.trace, "motor_stall", True)
    assert wider.initial.perm_motor_stall and replay(wider) is None
    assert replay(with_permission(wider, "motor_stall", False)) is None
    assert replay(with_permission(pocket.trace, "pocket_fill", False)) is not None
    # measured: 26 queries; 32 with the replay step switched off (on all 13 candidates HZ-WD
    # 36 against 64, HZ-OD 42 against 123)
    assert withdrawal.queries <= 28, withdrawal.queries
