"""Open-PSA MEF reading and writing: round trip, supported constructs, and bad input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pumpsafe.hazards import (
    Constant,
    Exponential,
    FtaOptions,
    analyze,
    mef_text,
    read_mef,
    write_mef,
)
from pumpsafe.hazards.tree import FaultTree
from pumpsafe.model.errors import InputError

DATA = Path(__file__).parent / "data" / "openpsa"

SMALL = """<?xml version="1.0"?>
<opsa-mef>
  <define-fault-tree name="ft">
    <define-gate name="top">
      <or>
        <gate name="g1"/>
        <and><basic-event name="a"/><not><event name="b"/></not></and>
        <atleast min="2">
          <basic-event name="a"/><basic-event name="c"/><basic-event name="d"/>
        </atleast>
        <house-event name="h"/>
      </or>
    </define-gate>
    <define-gate name="g1">
      <xor><basic-event name="c"/><basic-event name="d"/></xor>
    </define-gate>
    <define-house-event name="h"><constant value="false"/></define-house-event>
    <define-basic-event name="a"><float value="0.1"/></define-basic-event>
    <define-basic-event name="b">
      <exponential><parameter name="lambda"/><system-mission-time/></exponential>
    </define-basic-event>
  </define-fault-tree>
  <model-data>
    <define-parameter name="lambda"><float value="1e-4"/></define-parameter>
    <define-basic-event name="c"><float value="0.2"/></define-basic-event>
    <define-basic-event name="d">
      <mul><float value="0.5"/><float value="0.6"/></mul>
    </define-basic-event>
  </model-data>
</opsa-mef>
"""


def _write(tmp_path: Path, text: str, name: str = "model.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_every_supported_construct(tmp_path: Path) -> None:
    tree = read_mef([_write(tmp_path, SMALL)])
    assert tree.nodes["b"]["model"] == Exponential(1e-4, None)
    assert tree.nodes["d"]["model"] == Constant(0.3)
    assert tree.nodes["top#1"]["op"] == "and" and tree.nodes["top#1"]["anonymous"]
    assert tree.nodes["top#2"]["k"] == 2
    # 'a' is one shared node, not a copy.
    assert sorted(tree.predecessors("a")) == ["top#1", "top#2"]


def test_mission_time_changes_exponential_events(tmp_path: Path) -> None:
    tree = read_mef([_write(tmp_path, SMALL)])
    short = analyze(tree, FtaOptions(mission_time_h=1.0)).probability
    long = analyze(tree, FtaOptions(mission_time_h=1e5)).probability
    assert short != long


def _attributes(tree: FaultTree) -> dict[str, dict[str, object]]:
    return {n: {k: v for k, v in d.items() if k != "source"} for n, d in tree.nodes(data=True)}


def test_round_trip_gives_the_same_tree_and_probability(tmp_path: Path) -> None:
    for source in [_write(tmp_path, SMALL), DATA / "das9601.xml", DATA / "chinese.xml"]:
        tree = read_mef([source])
        out = tmp_path / "out.xml"
        write_mef(tree, out)
        again = read_mef([out])
        strip = {"source"}
        assert {
            n: {k: v for k, v in d.items() if k not in strip} for n, d in tree.nodes(data=True)
        } == {n: {k: v for k, v in d.items() if k not in strip} for n, d in again.nodes(data=True)}
        assert [list(tree.successors(n)) for n in sorted(tree)] == [
            list(again.successors(n)) for n in sorted(again)
        ]
        fast = FtaOptions(prime_budget=1000)  # the probability is what is compared here
        assert analyze(tree, fast).probability == analyze(again, fast).probability
        assert mef_text(again) == mef_text(tree)


def test_several_files_make_one_model(tmp_path: Path) -> None:
    tree_file = _write(
        tmp_path,
        '<opsa-mef><define-fault-tree name="t"><define-gate name="top"><and>'
        '<basic-event name="x"/><gate name="other"/></and></define-gate></define-fault-tree>'
        '<define-fault-tree name="u"><define-gate name="other"><or><basic-event name="y"/>'
        '<basic-event name="x"/></or></define-gate></define-fault-tree></opsa-mef>',
        "tree.xml",
    )
    data_file = _write(
        tmp_path,
        '<opsa-mef><model-data><define-basic-event name="x"><float value="0.5"/>'
        '</define-basic-event><define-basic-event name="y"><float value="0.5"/>'
        "</define-basic-event></model-data></opsa-mef>",
        "data.xml",
    )
    result = analyze(read_mef([tree_file, data_file]), FtaOptions())
    assert result.probability == pytest.approx(0.5)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<opsa-mef><define-fault-tree name="&lol9;"/></opsa-mef>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opsa-mef><define-fault-tree name="&xxe;"/></opsa-mef>
"""


def _tree(body: str, data: str = "") -> str:
    return (
        f'<?xml version="1.0"?>\n<opsa-mef>\n<define-fault-tree name="t">\n{body}\n'
        f"</define-fault-tree>\n<model-data>{data}</model-data>\n</opsa-mef>\n"
    )


OR_AB = (
    '<define-gate name="g"><or><basic-event name="a"/><basic-event name="b"/></or></define-gate>'
)
EVENT_AB = (
    '<define-basic-event name="a"><float value="0.1"/></define-basic-event>'
    '<define-basic-event name="b"><float value="0.1"/></define-basic-event>'
)
BAD_INPUTS = {
    "billion laughs": (BILLION_LAUGHS, "DOCTYPE"),
    "external entity": (EXTERNAL, "DOCTYPE"),
    "malformed": ("<opsa-mef><define-gate", "malformed XML"),
    "undefined reference": (
        _tree(
            '<define-gate name="g"><or><basic-event name="a"/><gate name="zz"/></or></define-gate>',
            EVENT_AB,
        ),
        "undefined gate 'zz'",
    ),
    "cycle": (
        _tree(
            '<define-gate name="g"><or><basic-event name="a"/><gate name="h"/></or></define-gate>'
            '<define-gate name="h"><and><basic-event name="b"/>'
            '<gate name="g"/></and></define-gate>',
            EVENT_AB,
        ),
        "cycle",
    ),
    "probability above one": (
        _tree(
            OR_AB,
            '<define-basic-event name="a"><float value="1.5"/></define-basic-event>'
            '<define-basic-event name="b"><float value="0.1"/></define-basic-event>',
        ),
        "outside [0, 1]",
    ),
    "duplicate name": (
        _tree(
            OR_AB.replace('name="g"', 'name="a"'),
            EVENT_AB,
        ),
        "duplicate name 'a'",
    ),
    "bad k": (
        _tree(
            '<define-gate name="g"><atleast min="3"><basic-event name="a"/><basic-event name="b"/>'
            "</atleast></define-gate>",
            EVENT_AB,
        ),
        "out of range",
    ),
    "event tree": (
        '<opsa-mef><define-event-tree name="et"/></opsa-mef>',
        "event trees are not supported",
    ),
    "ccf group": (
        _tree('<define-CCF-group name="c" model="beta-factor"/>'),
        "common-cause failure groups are not supported",
    ),
    "random deviate": (
        _tree(
            OR_AB,
            '<define-basic-event name="a"><lognormal-deviate><float value="1e-3"/>'
            '<float value="3"/><float value="0.95"/></lognormal-deviate></define-basic-event>'
            '<define-basic-event name="b"><float value="0.1"/></define-basic-event>',
        ),
        "not supported",
    ),
    "duplicate argument": (
        _tree(
            OR_AB.replace('"b"', '"a"'),
            EVENT_AB,
        ),
        "more than once",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_a_clear_input_error(tmp_path: Path, case: str) -> None:
    text, expected = BAD_INPUTS[case]
    path = _write(tmp_path, text)
    started = time.perf_counter()
    with pytest.raises(InputError) as raised:
        read_mef([path])
    assert time.perf_counter() - started < 1.0
    message = raised.value.message()
    assert expected in message
    assert str(path) in message
    assert "line" in message or case in ("cycle",)
    assert raised.value.fix, "every error says how to fix it"


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read file"):
        read_mef([tmp_path / "nope.xml"])
