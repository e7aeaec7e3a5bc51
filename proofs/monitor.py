"""Requirements evaluated on concrete states and steps (property tests, fuzzing, replay).

The predicates are the catalogue's terms, compiled once; nothing here restates them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pumpsafe.model.state import State, state_to_dict
from pumpsafe.model.terms import Compiled, Value, compile_term
from pumpsafe.proofs.requirements import Requirement


def step_env(pre: Mapping[str, Value], post_fields: Mapping[str, Value], rule: str,
             rule_names: Iterable[str]) -> dict[str, Value]:
    """The environment a step predicate is evaluated in: ``pre``'s variables, ``next_F`` for
    every state field ``F`` of ``post_fields``, and ``fired_R`` (``rule == R``) for every rule."""
    env = dict(pre)
    env.update({"next_" + k: v for k, v in post_fields.items()})
    env.update({"fired_" + r: r == rule for r in rule_names})
    return env


@dataclass(frozen=True)
class _Compiled:
    req: Requirement
    predicate: Compiled


class Monitor:
    """Checks every invariant and step requirement of a catalogue on concrete runs."""

    def __init__(self, requirements: Iterable[Requirement], rule_names: Iterable[str],
                 resolved: dict[str, int]) -> None:
        self.rule_names = tuple(rule_names)
        self.resolved = dict(resolved)
        self.checks = tuple(_Compiled(r, compile_term(r.predicate)) for r in requirements
                            if r.kind in ("invariant", "step") and r.predicate is not None)

    @staticmethod
    def applies(req: Requirement, state: State) -> bool:
        """A requirement speaks only of runs in which the faults it assumes absent cannot occur."""
        return not any(getattr(state, "perm_" + f) for f in req.assumes_absent)

    def state_env(self, state: State) -> dict[str, Value]:
        env: dict[str, Value] = state_to_dict(state)
        env.update(self.resolved)
        return env

    def violated_in_state(self, state: State) -> list[str]:
        """IDs of the invariants false in ``state``."""
        env = self.state_env(state)
        return [c.req.id for c in self.checks if c.req.kind == "invariant"
                and self.applies(c.req, state) and not c.predicate(env)]

    def violated_in_step(self, pre: State, rule: str, post: State) -> list[str]:
        """IDs of the requirements (invariants on ``post``, step predicates on the step) false."""
        env = step_env(self.state_env(pre), state_to_dict(post), rule, self.rule_names)
        post_env = self.state_env(post)
        out = []
        for c in self.checks:
            if not self.applies(c.req, pre):
                continue
            ok = c.predicate(post_env if c.req.kind == "invariant" else env)
            if not ok:
                out.append(c.req.id)
        return out
