"""Report drawings: tree splitting and layout, IEC symbols, stable ids, escaping, timelines."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from pumpsafe.hazards import Constant, add_basic_event, add_gate, new_tree, read_mef
from pumpsafe.hazards.tree import FaultTree, kind_of
from pumpsafe.reports.svg import wrap
from pumpsafe.reports.svg_bars import draw_importance, ranking
from pumpsafe.reports.svg_ids import sanitize, stable_ids
from pumpsafe.reports.svg_timeline import draw_timeline, format_minutes, nice_ceiling
from pumpsafe.reports.svg_tree import TreeFigures, draw_tree
from pumpsafe.reports.tree_layout import split_tree

OPENPSA = Path(__file__).parent / "data" / "openpsa"
SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script>"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def _leaves(p: object) -> int:
    children = p.children  # type: ignore[attr-defined]
    return 1 if not children else sum(_leaves(c) for c in children)


@pytest.fixture(scope="module")
def baobab() -> FaultTree:
    return read_mef([OPENPSA / "baobab2.xml"])


def test_large_tree_is_split_into_readable_diagrams(baobab: FaultTree) -> None:
    split = split_tree(baobab, "r1", max_depth=3, max_leaves=7)
    assert len(baobab) >= 50 and len(split.diagrams) > 1
    drawn = Counter(p.node for d in split.diagrams for p in d.root.walk() if p.role == "gate")
    gates = [n for n in baobab if kind_of(baobab, n) == "gate"]
    # every gate drawn exactly once; every other use is a transfer to where it is drawn
    assert drawn == Counter(gates)
    for d in split.diagrams:
        assert d.depth <= 5
        wide = max(len(p.children) for p in d.root.walk())
        assert _leaves(d.root) <= max(7, wide), d.root.node
        for p in d.root.walk():
            if p.role == "transfer":
                assert p.node in split.home
    assert split.home["r1"] == 1


def test_shared_gate_is_drawn_once_and_referenced_by_transfers() -> None:
    tree = new_tree()
    add_gate(tree, "TOP", "or", ["A", "B"])
    add_gate(tree, "A", "and", ["S", "e1"])
    add_gate(tree, "B", "and", ["S", "e2"])
    add_gate(tree, "S", "or", ["e3", "e4"])
    for e in ("e1", "e2", "e3", "e4"):
        add_basic_event(tree, e, Constant(0.1))
    split = split_tree(tree, "TOP")
    roles = [(p.node, p.role) for d in split.diagrams for p in d.root.walk()]
    assert roles.count(("S", "gate")) == 1 and roles.count(("S", "transfer")) == 1


def test_diagrams_are_deterministic_with_stable_unique_ids(baobab: FaultTree) -> None:
    figures = TreeFigures({}, {"r1": 7.1e-4})
    first = draw_tree(baobab, "r1", figures, "ft-b")
    again = draw_tree(baobab, "r1", figures, "ft-b")
    assert [d.svg for d in first] == [d.svg for d in again]
    ids = [e.get("id") for d in first for e in ET.fromstring(d.svg).iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and "ft-b-r1" in ids
    assert all(i.startswith("ft-b-") for i in ids)


def test_symbols_cover_every_gate_kind() -> None:
    tree = new_tree()
    add_gate(tree, "TOP", "atleast", ["X", "N", "H"], k=2)
    add_gate(tree, "X", "xor", ["e1", "e2"])
    add_gate(tree, "N", "not", ["e3"])
    add_gate(tree, "H", "nand", ["e1", "e3"])
    for e in ("e1", "e2", "e3"):
        add_basic_event(tree, e, Constant(0.5))
    svg = draw_tree(tree, "TOP", TreeFigures({}, {}), "t")[0].svg
    texts = _texts(svg)
    assert "2/3" in texts and "XOR" in texts
    assert "2-of-3 voting gate" in texts and "NOT gate" in texts and "NAND gate" in texts


def test_names_and_labels_are_escaped_in_svg() -> None:
    tree = new_tree()
    add_gate(tree, EVIL, "or", ["e&1", "e2"])
    add_basic_event(tree, "e&1", Constant(0.1))
    add_basic_event(tree, "e2", Constant(0.2))
    figures = TreeFigures({"e2": EVIL}, {"e&1": 0.1, "e2": 0.2})
    svg = draw_tree(tree, EVIL, figures, "t")[0].svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    texts = _texts(svg)  # parses: the escaping kept the SVG well-formed
    assert any("<script>" in t for t in texts)
    ids = [e.get("id") for e in ET.fromstring(svg).iter() if e.get("id")]
    assert all(set(i) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
               for i in ids if i)


def test_stable_ids_sanitise_and_disambiguate() -> None:
    ids = stable_ids(["a b", "a_b", "1x", "a b"], "p")
    assert ids == {"1x": "p-n1x", "a b": "p-a_b", "a_b": "p-a_b-2"}
    assert sanitize("<script>") == "script"


def test_wrap_and_units() -> None:
    assert wrap("one two three four five", 9, 2) == ["one two", "three fo…"]
    assert format_minutes(0) == "0 min" and format_minutes(190) == "3 h 10 min"
    assert format_minutes(43_200 + 60) == "30 d 1 h"
    assert nice_ceiling(1150) == 1200 and nice_ceiling(20) == 20 and nice_ceiling(0.9) == 1


def test_timeline_draws_panels_from_a_trace() -> None:
    state = {"t_min": 0, "reservoir_ul": 20000, "believed_reservoir_ul": 20000,
             "delivered_day_ng": 0, "catheter": 0, "alarm_low_reservoir": False}
    later = {**state, "t_min": 1440, "reservoir_ul": 1000, "believed_reservoir_ul": 3000,
             "delivered_day_ng": 1_200_000, "catheter": 1, "alarm_low_reservoir": True}
    trace = {"schema": "pumpsafe.trace/1",
             "device": {"document": {"programming": {"hard_max_daily_dose_ug": {"value": 1000}}}},
             "initial_state": state,
             "steps": [{"rule": "catheter_fault", "params": {"fault_kind": 1}, "state": state},
                       {"rule": "infuse", "params": {"dt_min": 1440}, "state": later}],
             "violation": {"requirement": "SR-X", "step": 2}}
    texts = _texts(draw_timeline(trace, EVIL))
    assert "hard daily maximum 1000 µg" in texts
    assert "1 d" in texts and "low_reservoir" in texts and "catheter_fault" in texts
    assert f"{EVIL} violated here" in texts


def test_importance_chart_ranks_by_fussell_vesely() -> None:
    importance = {"a": {"fussell_vesely": 0.2}, "b": {"fussell_vesely": 0.9},
                  "c": {"fussell_vesely": None}}
    ranked = ranking(importance, 10)
    assert ranked == [("b", 0.9), ("a", 0.2)]
    svg = draw_importance(ranked, {"b": EVIL}, "t")
    assert ["b", "a"] == [t for t in _texts(svg) if t in ("a", "b")]
    assert "&lt;script&gt;" in svg and "<script>" not in svg  # the label, in the tooltip


def test_hazards_fixture_is_valid_json() -> None:
    doc = json.loads((Path(__file__).parent / "data" / "report" / "hazards.json").read_text())
    assert doc["schema"] == "pumpsafe.hazards/1"
