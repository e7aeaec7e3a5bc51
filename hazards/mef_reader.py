"""Read Open-PSA MEF fault trees (one or several files) into a fault-tree graph.

Supported: ``define-fault-tree`` (and ``define-component`` inside it), ``define-gate``,
``define-basic-event``, ``define-house-event``, ``define-parameter``, ``model-data``, the gate
formulas and/or/atleast/not/xor/nand/nor (nested to any depth), references ``gate``,
``basic-event``, ``house-event`` and untyped ``event``, ``constant`` true/false, labels and
attributes (ignored), and references across fault trees and files. Event trees, CCF groups,
substitutions, alignments, phases, rules and random deviates are refused as not supported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pumpsafe.hazards.mef_expressions import Located, probability_model
from pumpsafe.hazards.safe_xml import Element, parse_file
from pumpsafe.hazards.tree import (
    GATE_OPS,
    FaultTree,
    add_basic_event,
    add_gate,
    add_house_event,
    new_tree,
)
from pumpsafe.hazards.validate import validate_tree
from pumpsafe.model.errors import InputError

_UNSUPPORTED = {
    "define-event-tree": "event trees",
    "define-initiating-event": "initiating events",
    "define-sequence": "event-tree sequences",
    "define-functional-event": "functional events",
    "define-CCF-group": "common-cause failure groups",
    "define-substitution": "substitutions",
    "define-alignment": "alignments",
    "define-phase": "phases",
    "define-rule": "rules",
    "define-branch": "event-tree branches",
    "define-extern-function": "external functions",
    "define-extern-library": "external libraries",
    "define-consequence": "consequences",
    "define-consequence-group": "consequence groups",
}
_IGNORED = {"label", "attributes"}
_REFERENCES = {"gate": "gate", "basic-event": "basic", "house-event": "house", "event": ""}
_KIND_WORD = {"gate": "gate", "basic": "basic event", "house": "house event"}


@dataclass(frozen=True)
class _Definition:
    kind: str
    at: Located


def _error(at: Located, problem: str, fix: str) -> InputError:
    name = at.element.attrib.get("name")
    label = f"<{at.element.tag} name={name!r}>" if name else f"<{at.element.tag}>"
    return InputError(at.source, f"line {at.element.line}: {label}", problem, fix)


def _not_supported(at: Located, what: str) -> InputError:
    return _error(
        at,
        f"{what} are not supported",
        "pumpsafe fta analyses fault trees only; remove it or analyse it with SCRAM",
    )


class _Collector:
    """Phase one: every definition of every file, by name, with duplicates refused."""

    def __init__(self) -> None:
        self.events: dict[str, _Definition] = {}
        self.parameters: dict[str, Located] = {}

    def add_file(self, root: Element, source: str) -> None:
        at = Located(root, source)
        if root.tag != "opsa-mef":
            raise _error(at, "the root element is not <opsa-mef>", "is this an Open-PSA file?")
        for child in root.children:
            self.add_container_item(Located(child, source))

    def add_container_item(self, at: Located) -> None:
        tag = at.element.tag
        if tag in ("define-fault-tree", "define-component", "model-data"):
            for child in at.element.children:
                self.add_container_item(Located(child, at.source))
        elif tag in ("define-gate", "define-basic-event", "define-house-event"):
            self.define_event(tag.removeprefix("define-").removesuffix("-event"), at)
        elif tag == "define-parameter":
            self.define_parameter(at)
        elif tag in _UNSUPPORTED:
            raise _not_supported(at, _UNSUPPORTED[tag])
        elif tag not in _IGNORED:
            raise _error(at, f"unknown element <{tag}>", "check the Open-PSA MEF spelling")

    def _name(self, at: Located) -> str:
        name = at.element.attrib.get("name", "").strip()
        if not name:
            raise _error(at, "missing attribute 'name'", "give every definition a name")
        return name

    def define_event(self, kind: str, at: Located) -> None:
        name = self._name(at)
        previous = self.events.get(name)
        if previous is not None:
            where = f"{previous.at.source}:{previous.at.element.line}"
            raise _error(
                at,
                f"duplicate name {name!r}: already defined as a {_KIND_WORD[previous.kind]} "
                f"at {where}",
                "give every gate, basic event and house event a distinct name",
            )
        self.events[name] = _Definition(kind, at)

    def define_parameter(self, at: Located) -> None:
        name = self._name(at)
        if name in self.parameters:
            previous = self.parameters[name]
            raise _error(
                at,
                f"duplicate parameter {name!r} (first at {previous.source}:"
                f"{previous.element.line})",
                "give every parameter a distinct name",
            )
        self.parameters[name] = at


class _Builder:
    """Phase two: the graph, with references resolved against every file."""

    def __init__(self, collected: _Collector) -> None:
        self.collected = collected
        self.tree = new_tree()

    def build(self) -> FaultTree:
        for name, definition in self.collected.events.items():
            if definition.kind == "gate":
                self.gate(name, definition.at)
            elif definition.kind == "basic":
                self.basic_event(name, definition.at)
            else:
                self.house_event(name, definition.at)
        return self.tree

    def body(self, at: Located) -> list[Located]:
        return [Located(c, at.source) for c in at.element.children if c.tag not in _IGNORED]

    def gate(self, name: str, at: Located) -> None:
        body = self.body(at)
        if len(body) != 1:
            raise _error(at, "a gate needs exactly one formula", "write one formula, e.g. <or>")
        self.formula(name, body[0], anonymous=False)
        _keep_label(self.tree, name, at)

    def formula(self, name: str, at: Located, *, anonymous: bool) -> None:
        tag = at.element.tag
        source = f"{at.source}:{at.element.line}"
        if tag in _REFERENCES or tag == "constant":
            # A bare reference is a pass-through gate: an AND of one argument.
            add_gate(self.tree, name, "and", [self.argument(name, at, 0)], source=source)
            return
        if tag not in GATE_OPS:
            raise _error(
                at,
                f"formula <{tag}> is not supported",
                f"use one of {', '.join(GATE_OPS)}",
            )
        operands = self.body(at)
        args = [self.argument(name, operand, i) for i, operand in enumerate(operands)]
        if len(set(args)) != len(args):
            duplicates = sorted({a for a in args if args.count(a) > 1})
            raise _error(
                at,
                f"gate {name!r} lists argument(s) {', '.join(duplicates)} more than once",
                "list each argument once",
            )
        k = self.vote_number(at) if tag == "atleast" else None
        add_gate(self.tree, name, tag, args, k=k, anonymous=anonymous, source=source)

    def vote_number(self, at: Located) -> int:
        text = at.element.attrib.get("min")
        try:
            return int(text if text is not None else "")
        except ValueError:
            raise _error(
                at, f"vote number min={text!r} is not an integer", 'write e.g. <atleast min="2">'
            ) from None

    def argument(self, parent: str, at: Located, index: int) -> str:
        tag = at.element.tag
        if tag == "constant":
            name = f"{parent}#{index}"
            state = at.element.attrib.get("value") == "true"
            add_house_event(self.tree, name, state, source=f"{at.source}:{at.element.line}")
            return name
        if tag not in _REFERENCES:
            name = f"{parent}#{index}"
            self.formula(name, at, anonymous=True)
            return name
        name = at.element.attrib.get("name", "").strip()
        definition = self.collected.events.get(name)
        wanted = _REFERENCES[tag]
        if definition is None:
            word = _KIND_WORD.get(wanted, "event")
            raise _error(
                at,
                f"undefined {word} {name!r} (referenced by gate {parent!r})",
                f"define it with <define-{tag if wanted else 'gate'}> or fix the name",
            )
        if wanted and definition.kind != wanted:
            raise _error(
                at,
                f"{name!r} is a {_KIND_WORD[definition.kind]}, not a {_KIND_WORD[wanted]}",
                f"reference it as <{_tag_of(definition.kind)} name={name!r}/>",
            )
        return name

    def basic_event(self, name: str, at: Located) -> None:
        body = self.body(at)
        if len(body) != 1:
            raise _error(
                at,
                f"basic event {name!r} has no probability" if not body else "too many children",
                'give one expression, e.g. <float value="1e-3"/>',
            )
        model = probability_model(body[0], self.collected.parameters)
        add_basic_event(self.tree, name, model, source=f"{at.source}:{at.element.line}")
        _keep_label(self.tree, name, at)

    def house_event(self, name: str, at: Located) -> None:
        _keep_label(self.tree, name, at)
        body = self.body(at)
        state = False
        if body:
            value = body[0].element.attrib.get("value")
            if body[0].element.tag not in ("constant", "bool") or value not in ("true", "false"):
                raise _error(at, "a house event holds a constant", 'write <constant value="true"/>')
            state = value == "true"
        add_house_event(self.tree, name, state, source=f"{at.source}:{at.element.line}")


def _keep_label(tree: FaultTree, name: str, at: Located) -> None:
    """Keep a definition's ``<label>`` text (shown in reports) as the node's ``label``."""
    for child in at.element.children:
        if child.tag == "label" and child.text and child.text.strip():
            tree.add_node(name, label=" ".join(child.text.split()))


def _tag_of(kind: str) -> str:
    return {"gate": "gate", "basic": "basic-event", "house": "house-event"}[kind]


def read_mef(paths: Iterable[str | Path]) -> FaultTree:
    """Read the Open-PSA MEF files ``paths`` as one model and return its fault-tree graph.

    References may cross fault trees and files. Raises :class:`InputError` (naming the file,
    line and element, and the fix) for malformed or unsafe XML, unsupported constructs, duplicate
    names, undefined references, cycles, probabilities outside [0, 1] and bad vote numbers.
    """
    collector = _Collector()
    sources: list[str] = []
    for path in paths:
        sources.append(str(path))
        collector.add_file(parse_file(Path(path)), str(path))
    if not sources:
        raise InputError("-", "", "no model file given", "give at least one MEF file")
    tree = _Builder(collector).build()
    validate_tree(tree, source=", ".join(sources))
    return tree
