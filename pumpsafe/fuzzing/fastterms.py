"""Model terms compiled to one Python function each, for the terms the machine evaluates many
times per step (guard conjuncts, lets, parameter ranges while drawing).

:func:`pumpsafe.model.terms.compile_term` builds a closure per node, so a comparison of two
sums is five nested calls; here the whole term becomes one expression (``env["a"] + 3 <
env["b"]``) compiled by Python once. Same values, same evaluation order and the same laziness:
``ite`` evaluates one branch, ``and``/``or`` stop at the first deciding argument, and reading an
absent variable raises ``KeyError`` (the machine's lazy stages rely on it). A term whose source
would be too large (shared sub-terms are written out at every use) keeps the closure.
``tests/test_fuzz_machine.py`` checks both compilations agree on every rule's terms.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import cast

from pumpsafe.model.terms import Compiled, Term, Value, compile_term
from pumpsafe.proofs.monitor import step_env

MAX_SOURCE = 50_000  # characters written for one term, summed over its nodes

_ARITH = {"add": "+", "sub": "-", "mul": "*", "div": "//", "mod": "%"}
_CMP = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}


class _TooLarge(Exception):
    pass


def compile_fast(term: Term) -> Compiled:
    """A function of the environment equal to ``compile_term(term)``."""
    consts: dict[str, Value] = {}
    try:
        source = _source(term, consts, [0], _env_var)
    except _TooLarge:
        return compile_term(term)
    return cast(Compiled, _define("env", source, consts))


StepPredicate = Callable[[Mapping[str, Value], Mapping[str, Value], str], Value]


def compile_step(term: Term, fields: Collection[str], rule_names: Collection[str],
                 invariant: bool = False) -> StepPredicate:
    """A function of ``(pre, post, rule)`` equal to ``compile_term(term)`` on the environment
    :meth:`Monitor.violated_in_step` evaluates it in: for an ``invariant``, ``post``; else
    ``pre``'s variables, overridden by ``next_F`` = ``post[F]`` for every state field ``F``,
    overridden by ``fired_R`` = ``rule == R`` for every rule ``R``. Reads the two state
    environments where they are instead of merging them into a third (~150 entries) at every
    step."""
    def var(name: str) -> str:
        if invariant:
            return f"post[{name!r}]"
        if name.startswith("fired_") and name[6:] in rule_names:
            return f"(rule == {name[6:]!r})"
        if name.startswith("next_") and name[5:] in fields:
            return f"post[{name[5:]!r}]"
        return f"pre[{name!r}]"

    consts: dict[str, Value] = {}
    try:
        source = _source(term, consts, [0], var)
    except _TooLarge:
        closure = compile_term(term)
        fired = tuple(rule_names)

        def merged(pre: Mapping[str, Value], post: Mapping[str, Value], rule: str) -> Value:
            if invariant:
                return closure(post)
            return closure(step_env(pre, {f: post[f] for f in fields}, rule, fired))

        return merged
    return cast(StepPredicate, _define("pre, post, rule", source, consts))


def _define(params: str, source: str, consts: dict[str, Value]) -> object:
    namespace: dict[str, object] = dict(consts)
    exec(f"def _term({params}):\n    return {source}\n", namespace)  # our source, from the term
    return namespace["_term"]


def _env_var(name: str) -> str:
    return f"env[{name!r}]"


def _is_bool(term: Term) -> bool:
    return (term.op in _CMP or term.op in ("and", "or", "not")
            or (term.op == "const" and type(term.payload) is bool))


def _source(term: Term, consts: dict[str, Value], size: list[int],
            var: Callable[[str], str]) -> str:
    op, args = term.op, term.args
    if op == "const":
        value = term.payload
        if type(value) in (int, bool):
            out = repr(value)
        else:  # anything else is bound by name, never printed
            out = f"_k{len(consts)}"
            consts[out] = value
    elif op == "var":
        out = var(str(term.payload))
    else:
        parts = [_source(a, consts, size, var) for a in args]
        if op in _ARITH:
            out = f"({parts[0]} {_ARITH[op]} {parts[1]})"
        elif op == "neg":
            out = f"(-{parts[0]})"
        elif op in _CMP:
            out = f"({parts[0]} {_CMP[op]} {parts[1]})"
        elif op in ("and", "or"):
            # Python's and/or give an operand, the closure a bool: the same where every
            # operand is a bool already (a comparison, a connective)
            joined = f" {op} ".join(parts) if parts else repr(op == "and")
            out = f"({joined})" if all(_is_bool(a) for a in args) else f"bool({joined})"
        elif op == "not":
            out = f"(not {parts[0]})"
        elif op == "ite":
            out = f"({parts[1]} if {parts[0]} else {parts[2]})"
        elif op in ("min", "max"):
            out = f"int({op}({', '.join(parts)}))" if len(parts) > 1 else f"int({parts[0]})"
        else:
            raise _TooLarge  # an operator this compiler does not know: keep the closure
    size[0] += len(out)
    if size[0] > MAX_SOURCE:
        raise _TooLarge
    return out
