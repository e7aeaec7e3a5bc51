"""The transition system a requirement is checked on, as Z3 formulas.

Built from the model's own encoding (:mod:`pumpsafe.model.encoding`): the initial states with the
requirement's fault permissions, one transition formula per rule, and the requirement's
predicate over a state (``invariant``) or over a step (``step``, where ``next_*`` names the next
state and ``fired_<rule>`` which rule made the step).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import z3
from pumpsafe.model.encoding import (
    device_constraint,
    device_symbols,
    param_symbols,
    state_symbols,
    transition,
)
from pumpsafe.model.rules import PumpModel, Rule
from pumpsafe.model.state import FIELD_NAMES
from pumpsafe.model.terms import Term, to_z3

Z3 = Any


@dataclass
class System:
    """Initial states, rules and fault permissions of one check."""

    model: PumpModel
    permissions: Mapping[str, bool]

    def __post_init__(self) -> None:
        self.dev = device_symbols(self.model)
        self.rules: tuple[Rule, ...] = self.model.rules

    def init(self, state: Mapping[str, Z3]) -> Z3:
        """Initial states (device ranges included). A fault this check forbids has its
        permission off; an allowed one is left free: enabling a fault only adds transitions,
        so this covers runs with and without it, and a certificate found here holds in every
        check that forbids at least the same faults."""
        perms = [z3.Not(state["perm_" + f]) for f, v in self.permissions.items() if not v]
        others = [state[n] == to_z3(self.model.init[n], self.dev) for n in FIELD_NAMES
                  if not n.startswith("perm_")]  # the check's permissions replace the device's
        return z3.And(*others, device_constraint(self.model, self.dev), *perms)

    def step(self, rule: Rule, pre: Mapping[str, Z3], post: Mapping[str, Z3],
             args: Mapping[str, Z3]) -> Z3:
        """One rule's transition formula."""
        return transition(rule, pre, post, args, self.dev)

    def state_env(self, state: Mapping[str, Z3]) -> dict[str, Z3]:
        env = dict(state)
        env.update(self.dev)
        return env

    def step_env(self, pre: Mapping[str, Z3], post: Mapping[str, Z3], fired: str | Z3) -> dict[
            str, Z3]:
        """Variables of a step predicate; ``fired`` is a rule name or a Z3 int selector."""
        env = self.state_env(pre)
        env.update({"next_" + n: post[n] for n in FIELD_NAMES})
        for i, r in enumerate(self.rules):
            env["fired_" + r.name] = (z3.BoolVal(r.name == fired) if isinstance(fired, str)
                                      else fired == i)
        return env

    def holds_in_state(self, predicate: Term, state: Mapping[str, Z3]) -> Z3:
        return to_z3(predicate, self.state_env(state))

    def holds_in_step(self, predicate: Term, pre: Mapping[str, Z3], post: Mapping[str, Z3],
                      fired: str | Z3) -> Z3:
        return to_z3(predicate, self.step_env(pre, post, fired))


def fresh_state(prefix: str) -> dict[str, Z3]:
    """Z3 constants for one copy of the state."""
    return state_symbols(prefix)


def fresh_args(rule: Rule, suffix: str) -> dict[str, Z3]:
    """Z3 constants for one use of a rule's parameters."""
    return param_symbols(rule, suffix)
