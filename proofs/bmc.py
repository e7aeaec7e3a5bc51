"""Bounded model checking: the shortest run that reaches a goal, as a trace.

The system is unrolled one step at a time in one incremental solver; at each depth the goal is
checked under an assumption literal, so the first hit is a run of minimal length. A hit becomes
a :class:`~pumpsafe.model.trace.Trace` (every rule, parameter, state and device value read off
Z3's model) that the concrete interpreter must replay.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import z3
from pumpsafe.model.device import with_faults
from pumpsafe.model.state import FIELD_NAMES, State
from pumpsafe.model.terms import Value
from pumpsafe.model.trace import Step, Trace
from pumpsafe.proofs.system import System, fresh_args, fresh_state

from pumpsafe import __version__


@dataclass
class Unrolling:
    """States ``s0..sk``, and for each step the rule selector and every rule's parameters."""

    system: System
    solver: Any = field(default_factory=z3.Solver)
    states: list[dict[str, Any]] = field(default_factory=list)
    selectors: list[Any] = field(default_factory=list)
    args: list[dict[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.states.append(fresh_state("s0."))
        self.solver.add(self.system.init(self.states[0]))

    @property
    def depth(self) -> int:
        return len(self.states) - 1

    def extend(self) -> None:
        """Add one step: exactly one rule fires, chosen by the step's selector."""
        k = self.depth
        pre, post = self.states[k], fresh_state(f"s{k + 1}.")
        sel = z3.Int(f"rule@{k}")
        step_args = {r.name: fresh_args(r, f"@{k}") for r in self.system.rules}
        choices = [z3.And(sel == i, self.system.step(r, pre, post, step_args[r.name]))
                   for i, r in enumerate(self.system.rules)]
        self.solver.add(z3.Or(choices))
        self.states.append(post)
        self.selectors.append(sel)
        self.args.append(step_args)


Goal = Callable[[Unrolling, int], Any]


@dataclass(frozen=True)
class Hit:
    """A run of ``depth`` steps reaching the goal."""

    depth: int
    trace: Trace


def search(system: System, goal: Goal, max_depth: int, timeout_s: float,
           unrolling: Unrolling | None = None) -> Hit | None:
    """The shortest run (up to ``max_depth`` steps) whose last state or step meets ``goal``;
    None when there is none within the depth; raises TimeoutError past ``timeout_s``."""
    u = unrolling or Unrolling(system)
    deadline = time.monotonic() + timeout_s
    for k in range(max_depth + 1):
        while u.depth < k:
            u.extend()
        cond = goal(u, k)
        if cond is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"BMC reached depth {k} before the time limit")
            u.solver.set("timeout", max(1, int(left * 1000)))
            lit = z3.Bool(f"goal@{k}#{id(cond)}")
            u.solver.add(z3.Implies(lit, cond))
            answer = u.solver.check(lit)
            if answer == z3.sat:
                return Hit(k, extract_trace(u, u.solver.model(), k))
            if answer == z3.unknown:
                raise TimeoutError(f"BMC at depth {k}: {u.solver.reason_unknown()}")
    return None


def _value(m: Any, expr: Any) -> Value:
    v = m.eval(expr, model_completion=True)
    return z3.is_true(v) if z3.is_bool(v) else int(v.as_long())


def _state(m: Any, syms: dict[str, Any]) -> State:
    return State(**{n: _value(m, syms[n]) for n in FIELD_NAMES})  # type: ignore[arg-type]


def extract_trace(u: Unrolling, m: Any, depth: int) -> Trace:
    """Read a run of ``depth`` steps off a Z3 model."""
    system = u.system
    keys = system.model.device.ranged_keys()
    resolved = {keys[name]: int(_value(m, sym)) for name, sym in system.dev.items()}
    steps = []
    for k in range(depth):
        index = int(_value(m, u.selectors[k]))
        rule = system.rules[index]
        params = {p.name: _value(m, u.args[k][rule.name][p.name]) for p in rule.params}
        steps.append(Step(rule.name, params, _state(m, u.states[k + 1])))
    # the run starts from the fault permissions Z3 chose (within what the check allows)
    chosen = {f: bool(_value(m, u.states[0]["perm_" + f])) for f in system.model.device.faults}
    device = with_faults(system.model.device, chosen)
    return Trace(device, resolved, _state(m, u.states[0]), tuple(steps),
                 {"tool": "pumpsafe verify", "version": __version__, "engine": "bmc",
                  "permissions": dict(sorted(chosen.items()))})
