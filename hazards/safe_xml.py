"""A small XML element tree with line numbers, parsed without DTDs or entities.

Open-PSA files never need a document type declaration, so any ``<!DOCTYPE``, entity declaration
or external reference is refused before it is expanded: this closes billion-laughs (exponential
entity expansion) and external-entity (file or network fetch) attacks with the standard library's
expat alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from xml.parsers import expat

from pumpsafe.model.errors import InputError

MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Element:
    """One XML element: tag, attributes, children in document order, and its line number."""

    tag: str
    attrib: dict[str, str]
    line: int
    children: list[Element] = field(default_factory=list)
    text: str = ""


class _Refused(Exception):
    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


def _refuse_dtd(*_args: object) -> NoReturn:
    raise _Refused(
        "document type declarations (<!DOCTYPE>) are refused",
        "remove the DOCTYPE and any entity declarations; Open-PSA files need none",
    )


def _refuse_entity(*_args: object) -> NoReturn:
    raise _Refused(
        "entity declarations and external entities are refused",
        "remove the entity and write its text out",
    )


def parse_xml(data: bytes, source: str) -> Element:
    """Parse ``data`` (the content of file ``source``) into an :class:`Element` tree.

    Raises :class:`InputError` naming ``source`` and the line for malformed XML, for any DOCTYPE
    or entity declaration, and for documents over 64 MiB.
    """
    if len(data) > MAX_BYTES:
        raise InputError(source, "", f"file is larger than {MAX_BYTES} bytes", "split the model")
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity
    stack: list[Element] = []
    roots: list[Element] = []

    def start(tag: str, attrib: dict[str, str]) -> None:
        element = Element(tag, attrib, parser.CurrentLineNumber)
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def end(_tag: str) -> None:
        stack.pop()

    def text(chars: str) -> None:
        if stack:
            stack[-1].text += chars

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        raise InputError(
            source, f"line {parser.CurrentLineNumber}", refused.problem, refused.fix
        ) from None
    except expat.ExpatError as error:
        raise InputError(
            source,
            f"line {error.lineno}",
            f"malformed XML: {expat.ErrorString(error.code)}",
            "fix the XML syntax",
        ) from None
    return roots[0]


def parse_file(path: Path) -> Element:
    """Read and parse the XML file at ``path`` (see :func:`parse_xml`)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(
            str(path), "", f"cannot read file: {error.strerror}", "check the path"
        ) from None
    return parse_xml(data, str(path))
