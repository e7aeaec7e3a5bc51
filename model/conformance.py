"""Conformance of the two semantics: the interpreter against the very Z3 formula of a rule.

For a state, a rule and arguments, the concrete step is compared with the Z3 transition formula
(:func:`pumpsafe.model.encoding.transition`) with the same values substituted: the rule is
enabled in one exactly when it is in the other, and when it is, Z3's next state is forced
(unique) and equal to the interpreter's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import z3
from pumpsafe.model.encoding import device_symbols, param_symbols, state_symbols, transition
from pumpsafe.model.interpreter import Interpreter
from pumpsafe.model.state import FIELD_NAMES, State
from pumpsafe.model.terms import Value


@dataclass(frozen=True)
class Mismatch:
    """The two semantics disagree on one step."""

    rule: str
    message: str


def _val(v: Value) -> Any:
    return z3.BoolVal(v) if isinstance(v, bool) else z3.IntVal(v)


class ConformanceChecker:
    """Holds one solver per rule with its transition formula asserted once."""

    def __init__(self, interp: Interpreter) -> None:
        self.interp = interp
        self.pre = state_symbols("pre.")
        self.post = state_symbols("post.")
        self.dev = device_symbols(interp.model)
        self._solvers: dict[str, tuple[Any, dict[str, Any]]] = {}
        for rule in interp.model.rules:
            args = param_symbols(rule, "")
            solver = z3.SolverFor("QF_LIA")
            solver.add(transition(rule, self.pre, self.post, args, self.dev))
            solver.add([self.dev[n] == v for n, v in interp.resolved.items()])
            self._solvers[rule.name] = (solver, args)

    def check(self, rule: str, state: State, args: Mapping[str, Value]) -> Mismatch | None:
        """None when both semantics agree on this step."""
        solver, syms = self._solvers[rule]
        concrete = self.interp.step(rule, state, args)
        solver.push()
        try:
            solver.add([self.pre[n] == _val(getattr(state, n)) for n in FIELD_NAMES])
            solver.add([syms[n] == _val(v) for n, v in args.items() if n in syms])
            verdict = solver.check()
            if verdict == z3.unknown:
                return Mismatch(rule, f"Z3 answered unknown: {solver.reason_unknown()}")
            if concrete is None:
                if verdict == z3.sat:
                    why = self.interp.explain(rule, state, args)
                    return Mismatch(rule, f"enabled in Z3 but not in the interpreter ({why})")
                return None
            if verdict == z3.unsat:
                return Mismatch(rule, "enabled in the interpreter but not in Z3")
            m = solver.model()
            for n in FIELD_NAMES:
                got = m.eval(self.post[n], model_completion=True)
                want = getattr(concrete, n)
                z_value = z3.is_true(got) if isinstance(want, bool) else got.as_long()
                if z_value != want:
                    return Mismatch(rule, f"next {n}: Z3 gives {z_value}, interpreter {want}")
            solver.add(z3.Or([self.post[n] != _val(getattr(concrete, n)) for n in FIELD_NAMES]))
            if solver.check() != z3.unsat:
                return Mismatch(rule, "Z3 admits another next state: the encoding is not forced")
            return None
        finally:
            solver.pop()
