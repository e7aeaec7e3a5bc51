"""The concrete semantics: the rules evaluated on Python ints and bools.

Used by simulation, replay and the Hypothesis machine. Every term is compiled to a closure once
per model; a step evaluates the rule's parameters in order (a range may read the lets declared
before it), then the remaining lets, the guard and the updates.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pumpsafe.model.errors import InputError
from pumpsafe.model.rules import PumpModel, Rule, RuleParam
from pumpsafe.model.state import FIELD_NAMES, FIELD_SORTS, State
from pumpsafe.model.terms import Compiled, Term, Value, compile_term, render


@dataclass(frozen=True)
class _CompiledParam:
    param: RuleParam
    lo: Compiled | None
    hi: Compiled | None


@dataclass(frozen=True)
class CompiledRule:
    """A rule with every term compiled to a closure."""

    rule: Rule
    params: tuple[_CompiledParam, ...]
    lets: tuple[tuple[str, Compiled], ...]
    guard_parts: tuple[tuple[Term, Compiled], ...]
    updates: tuple[tuple[str, Compiled], ...]
    sorted_names: list[str]  # of the parameters


Args = Mapping[str, Value]


class Interpreter:
    """Evaluates a :class:`PumpModel` with its ranged device parameters resolved to values."""

    def __init__(self, model: PumpModel, resolved: Mapping[str, int],
                 compiler: Callable[[Term], Compiled] = compile_term) -> None:
        """``compiler`` compiles the rules' terms: :func:`compile_term` or a function that
        returns functions equal to its (the fuzz machine's compiles to faster code)."""
        missing = sorted(set(model.device_ranges) - set(resolved))
        if missing:
            raise InputError(model.device.path, ", ".join(missing), "ranged parameters need a "
                             "value for a concrete run", "resolve every range first")
        for name, (lo, hi) in model.device_ranges.items():
            if not lo <= resolved[name] <= hi:
                raise InputError(model.device.path, name, f"value {resolved[name]} is outside "
                                 f"the device's range [{lo}, {hi}]")
        self.model = model
        self.resolved: dict[str, int] = {k: int(resolved[k]) for k in sorted(model.device_ranges)}
        self.rules: dict[str, CompiledRule] = {r.name: _compile_rule(r, compiler)
                                               for r in model.rules}
        self._init: tuple[Compiled, ...] | None = None  # compiled at the first initial_state

    def initial_state(self) -> State:
        """The state at implant."""
        if self._init is None:
            self._init = tuple(compile_term(self.model.init[n]) for n in FIELD_NAMES)
        env: dict[str, Value] = dict(self.resolved)
        return State(**{n: f(env) for n, f in zip(FIELD_NAMES, self._init, strict=True)})  # type: ignore[arg-type]

    def base_env(self, state: State) -> dict[str, Value]:
        """Variables visible to a rule before its parameters: state fields and device values."""
        env: dict[str, Value] = dict(zip(FIELD_NAMES, _field_values(state), strict=True))
        env.update(self.resolved)
        return env

    def param_range(self, rule: str, state: State, args: Args) -> list[tuple[RuleParam,
                                                                               tuple[int, int]]]:
        """The range of every parameter, given the earlier parameters in ``args`` (used to
        draw parameters in order: call with the parameters drawn so far)."""
        cr = self.rules[rule]
        env = self.base_env(state)
        done = 0
        out: list[tuple[RuleParam, tuple[int, int]]] = []
        for cp in cr.params:
            done = _run_lets(cr, env, done, cp.param.after_lets)
            out.append((cp.param, _bounds(cp, env)))
            if cp.param.name not in args:
                break
            env[cp.param.name] = args[cp.param.name]
        return out

    def explain(self, rule: str, state: State, args: Args) -> str | None:
        """None when the rule is enabled with these arguments, else why not (one sentence)."""
        result = self._run(rule, state, args)
        return result if isinstance(result, str) else None

    def step(self, rule: str, state: State, args: Args) -> State | None:
        """The next state, or None when the rule is not enabled with these arguments."""
        result = self._run(rule, state, args)
        return None if isinstance(result, str) else result

    def step_in(self, rule: str, state: State, env: dict[str, Value],
                args: Args) -> State | None:
        """:meth:`step` for a caller that already holds ``env == self.base_env(state)`` (a
        fresh dict: the step writes the parameters and lets into it)."""
        result = self._run(rule, state, args, env)
        return None if isinstance(result, str) else result

    def _run(self, rule: str, state: State, args: Args,
             env: dict[str, Value] | None = None) -> State | str:
        try:
            cr = self.rules[rule]
        except KeyError:
            return f"there is no rule {rule!r}"
        if sorted(args) != cr.sorted_names:
            names = [cp.param.name for cp in cr.params]
            return f"rule {rule} takes parameters {names}, got {sorted(args)}"
        if env is None:
            env = self.base_env(state)
        done = 0
        for cp in cr.params:
            done = _run_lets(cr, env, done, cp.param.after_lets)
            v = args[cp.param.name]
            why = _check_param(cp, env, v)
            if why:
                return why
            env[cp.param.name] = v
        _run_lets(cr, env, done, len(cr.lets))
        for term, f in cr.guard_parts:
            if not f(env):
                return f"guard of {rule} is false: {render(term)}"
        new = {n: f(env) for n, f in cr.updates}
        for n, v in new.items():
            if isinstance(v, bool) != _IS_BOOL[n]:
                return f"rule {rule} gives field {n} a value of the wrong sort: {v!r}"
        return _replace(state, new)


_field_values = operator.attrgetter(*FIELD_NAMES)
_IS_BOOL: dict[str, bool] = {n: s == "bool" for n, s in FIELD_SORTS.items()}


def _replace(state: State, new: Mapping[str, Value]) -> State:
    """``dataclasses.replace(state, **new)`` for ``new`` naming state fields only (the sort
    check above has looked each one up): the same object, built without ``State.__init__``,
    which sets ~60 frozen fields one ``object.__setattr__`` at a time (most of a step's cost).
    State has no ``__post_init__`` and no slots, so its instance dict is all there is."""
    out = object.__new__(type(state))
    values = out.__dict__
    values.update(zip(FIELD_NAMES, _field_values(state), strict=True))
    values.update(new)
    return out


def _compile_rule(rule: Rule, compiler: Callable[[Term], Compiled]) -> CompiledRule:
    params = tuple(_CompiledParam(p, compiler(p.lo) if p.lo is not None else None,
                                  compiler(p.hi) if p.hi is not None else None)
                   for p in rule.params)
    lets = tuple((n, compiler(t)) for n, t in rule.lets)
    parts = rule.guard.args if rule.guard.op == "and" else (rule.guard,)
    guard = tuple((t, compiler(t)) for t in parts)
    updates = tuple((n, compiler(t)) for n, t in rule.updates.items())
    return CompiledRule(rule, params, lets, guard, updates, sorted(p.name for p in rule.params))


def _run_lets(cr: CompiledRule, env: dict[str, Value], done: int, upto: int) -> int:
    for name, f in cr.lets[done:upto]:
        env[name] = f(env)
    return max(done, upto)


def _bounds(cp: _CompiledParam, env: Mapping[str, Value]) -> tuple[int, int]:
    p = cp.param
    if p.sort == "bool":
        return (0, 1)
    if p.choices:
        return (min(p.choices), max(p.choices))
    assert cp.lo is not None and cp.hi is not None
    return (int(cp.lo(env)), int(cp.hi(env)))


def _check_param(cp: _CompiledParam, env: Mapping[str, Value], v: Value) -> str | None:
    p = cp.param
    if p.sort == "bool":
        return None if isinstance(v, bool) else f"parameter {p.name} must be true or false"
    if isinstance(v, bool) or not isinstance(v, int):
        return f"parameter {p.name} must be an integer, got {v!r}"
    if p.choices:
        return None if v in p.choices else f"parameter {p.name}={v} is not one of {list(p.choices)}"
    lo, hi = _bounds(cp, env)
    return None if lo <= v <= hi else f"parameter {p.name}={v} is outside [{lo}, {hi}]"
