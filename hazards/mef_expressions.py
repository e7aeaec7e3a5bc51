"""Open-PSA MEF expressions for basic-event probabilities: constants, parameters, exponential.

Supported: ``float``, ``int``, ``bool``, ``parameter`` (a ``define-parameter``), ``neg``, ``add``,
``sub``, ``mul``, ``div``, ``system-mission-time`` (only as the time of an ``exponential``) and
``exponential`` (rate, time) at the top of a basic event's definition. Random deviates and the
other MEF built-ins are refused as not supported: their point value depends on a convention
(mean, median) we would rather not guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pumpsafe.hazards.safe_xml import Element
from pumpsafe.hazards.tree import Constant, Exponential, ProbabilityModel
from pumpsafe.model.errors import InputError

_ARITHMETIC = {"neg", "add", "sub", "mul", "div"}


@dataclass(frozen=True)
class Located:
    """An element together with the file it was read from."""

    element: Element
    source: str


def _error(at: Located, problem: str, fix: str) -> InputError:
    where = f"line {at.element.line}: <{at.element.tag}>"
    return InputError(at.source, where, problem, fix)


def _number(at: Located, text: str | None) -> float:
    if text is None:
        raise _error(at, "missing attribute 'value'", 'write e.g. <float value="0.01"/>')
    try:
        return float(text)
    except ValueError:
        raise _error(at, f"value {text!r} is not a number", "write a decimal number") from None


def _operands(at: Located) -> list[Located]:
    return [Located(child, at.source) for child in at.element.children]


class _Evaluator:
    def __init__(self, parameters: Mapping[str, Located]) -> None:
        self.parameters = parameters
        self.cache: dict[str, float] = {}
        self.active: list[str] = []

    def value(self, at: Located) -> float:
        tag = at.element.tag
        if tag in ("float", "int"):
            return _number(at, at.element.attrib.get("value"))
        if tag == "bool":
            return 1.0 if at.element.attrib.get("value") == "true" else 0.0
        if tag == "parameter":
            return self.parameter(at)
        if tag in _ARITHMETIC:
            return self.arithmetic(at)
        if tag == "system-mission-time":
            raise _error(
                at,
                "the system mission time is supported only as the time of <exponential>",
                "use <exponential> with <system-mission-time/> as its second argument",
            )
        raise _error(
            at,
            f"expression <{tag}> is not supported",
            "use float, int, parameter, exponential or neg/add/sub/mul/div",
        )

    def parameter(self, at: Located) -> float:
        name = at.element.attrib.get("name", "")
        if name in self.cache:
            return self.cache[name]
        definition = self.parameters.get(name)
        if definition is None:
            raise _error(at, f"undefined parameter {name!r}", "define it with <define-parameter>")
        if name in self.active:
            cycle = " -> ".join([*self.active, name])
            raise _error(at, f"parameters refer to each other in a cycle: {cycle}", "break it")
        body = _operands(definition)
        if len(body) != 1:
            raise _error(definition, "a parameter needs exactly one expression", "give one")
        self.active.append(name)
        try:
            result = self.value(body[0])
        finally:
            self.active.pop()
        self.cache[name] = result
        return result

    def arithmetic(self, at: Located) -> float:
        values = [self.value(operand) for operand in _operands(at)]
        tag = at.element.tag
        if not values or (tag == "neg" and len(values) != 1):
            raise _error(at, "wrong number of operands", "neg takes one, the others one or more")
        result = values[0]
        if tag == "neg":
            return -result
        for operand in values[1:]:
            if tag == "add":
                result += operand
            elif tag == "sub":
                result -= operand
            elif tag == "mul":
                result *= operand
            elif operand == 0.0:
                raise _error(at, "division by zero", "fix the divisor")
            else:
                result /= operand
        return result

    def is_mission_time(self, at: Located) -> bool:
        if at.element.tag == "system-mission-time":
            return True
        if at.element.tag == "parameter":
            definition = self.parameters.get(at.element.attrib.get("name", ""))
            body = _operands(definition) if definition is not None else []
            return len(body) == 1 and self.is_mission_time(body[0])
        return False


def probability_model(at: Located, parameters: Mapping[str, Located]) -> ProbabilityModel:
    """The probability model of expression ``at`` (the body of a ``define-basic-event``).

    Raises :class:`InputError` for unsupported expressions, undefined or cyclic parameters, and
    a constant probability outside [0, 1] or a negative rate or time.
    """
    evaluator = _Evaluator(parameters)
    if at.element.tag == "exponential":
        operands = _operands(at)
        if len(operands) != 2:
            raise _error(at, "exponential takes a rate and a time", "give both")
        rate = evaluator.value(operands[0])
        time_h = None if evaluator.is_mission_time(operands[1]) else evaluator.value(operands[1])
        if rate < 0.0 or (time_h is not None and time_h < 0.0):
            raise _error(at, "negative failure rate or time", "rates and times must be >= 0")
        return Exponential(rate, time_h)
    probability = evaluator.value(at)
    if not 0.0 <= probability <= 1.0:
        raise _error(
            at, f"probability {probability!r} is outside [0, 1]", "give a value from 0 to 1"
        )
    return Constant(probability)
