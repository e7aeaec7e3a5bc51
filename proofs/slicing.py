"""Cone of influence: the state fields and rules a requirement can depend on.

Starting from the fields the predicate reads, a rule that updates one of them brings in every
field its update, guard and parameter ranges read (through its lets). Rules that update none of
the cone's fields leave it unchanged, so dropping them (and the fields outside the cone) keeps
exactly the projection of the reachable states onto the cone: a proof or a counterexample on the
slice is one on the whole model.
"""

from __future__ import annotations

from collections.abc import Iterable

from pumpsafe.model.rules import PumpModel, Rule
from pumpsafe.model.state import FIELD_NAMES
from pumpsafe.model.terms import Term, free_vars

_FIELDS = frozenset(FIELD_NAMES)


def rule_reads(rule: Rule, terms: Iterable[Term]) -> set[str]:
    """State fields the terms read, following the rule's lets."""
    lets = dict(rule.lets)
    seen: set[str] = set()
    todo = set().union(*(free_vars(t) for t in terms))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in lets:
            todo |= free_vars(lets[name])
    return seen & _FIELDS


def _rule_inputs(rule: Rule, updated: Iterable[str]) -> set[str]:
    terms = [rule.guard, *(rule.updates[f] for f in updated)]
    for p in rule.params:
        terms += [t for t in (p.lo, p.hi) if t is not None]
    return rule_reads(rule, terms)


def cone(model: PumpModel, predicate_reads: set[str], fired_rules: set[str]) -> tuple[
        frozenset[str], tuple[Rule, ...]]:
    """The fields and rules of the cone of influence (rules in model order)."""
    fields = set(predicate_reads) & _FIELDS
    for rule in model.rules:
        if rule.name in fired_rules:
            fields |= _rule_inputs(rule, ())
    changed = True
    while changed:
        changed = False
        for rule in model.rules:
            touched = [f for f in rule.updates if f in fields]
            if touched or rule.name in fired_rules:
                new = _rule_inputs(rule, touched) - fields
                if new:
                    fields |= new
                    changed = True
    rules = tuple(r for r in model.rules
                  if r.name in fired_rules or any(f in fields for f in r.updates))
    return frozenset(fields), rules
