"""The symbolic semantics: the same rule objects as Z3 formulas (linear integer arithmetic).

:func:`transition` is *the* formula the provers use for one rule; the conformance tests
substitute concrete values into exactly this formula and compare with the interpreter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import z3
from pumpsafe.model.rules import PumpModel, Rule
from pumpsafe.model.state import FIELD_NAMES, FIELD_SORTS
from pumpsafe.model.terms import to_z3

Z3Env = Mapping[str, Any]


def state_symbols(prefix: str) -> dict[str, Any]:
    """One Z3 constant per state field, named ``prefix + field``."""
    return {n: z3.Bool(prefix + n) if FIELD_SORTS[n] == "bool" else z3.Int(prefix + n)
            for n in FIELD_NAMES}


def device_symbols(model: PumpModel) -> dict[str, Any]:
    """One Z3 constant per ranged device parameter (frozen along every path)."""
    return {n: z3.Int(n) for n in model.device_ranges}


def device_constraint(model: PumpModel, dev: Z3Env) -> Any:
    """Every ranged device parameter within its range."""
    return z3.And([z3.And(lo <= dev[n], dev[n] <= hi)
                   for n, (lo, hi) in model.device_ranges.items()] or [z3.BoolVal(True)])


def param_symbols(rule: Rule, suffix: str) -> dict[str, Any]:
    """One Z3 constant per rule parameter, named ``rule.param + suffix``."""
    return {p.name: z3.Bool(f"{rule.name}.{p.name}{suffix}") if p.sort == "bool"
            else z3.Int(f"{rule.name}.{p.name}{suffix}") for p in rule.params}


def init_formula(model: PumpModel, state: Z3Env, dev: Z3Env) -> Any:
    """The initial-state predicate over ``state`` (device ranges are not included)."""
    env = dict(dev)
    return z3.And([state[n] == to_z3(model.init[n], env) for n in FIELD_NAMES])


def transition(rule: Rule, pre: Z3Env, post: Z3Env, args: Z3Env, dev: Z3Env) -> Any:
    """The rule's transition relation: parameter ranges, guard, and every field's next value
    (unchanged where the rule does not update it)."""
    env: dict[str, Any] = {**pre, **dev, **args}
    for name, term in rule.lets:
        env[name] = to_z3(term, env)
    parts = [to_z3(p.constraint(), env) for p in rule.params]
    parts.append(to_z3(rule.guard, env))
    for n in FIELD_NAMES:
        nxt = to_z3(rule.updates[n], env) if n in rule.updates else pre[n]
        parts.append(post[n] == nxt)
    return z3.And(parts)


def guard_formula(rule: Rule, pre: Z3Env, args: Z3Env, dev: Z3Env) -> Any:
    """Parameter ranges and guard only: the rule is enabled with these arguments."""
    env: dict[str, Any] = {**pre, **dev, **args}
    for name, term in rule.lets:
        env[name] = to_z3(term, env)
    return z3.And([to_z3(p.constraint(), env) for p in rule.params] + [to_z3(rule.guard, env)])
