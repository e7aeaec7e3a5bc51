"""Seeded random and scripted runs of the concrete model, written as traces.

The same seed gives the same trace, byte for byte: every random choice comes from one
``random.Random(seed)`` and rules are tried in a fixed order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from pumpsafe.model.device import Device
from pumpsafe.model.errors import InputError
from pumpsafe.model.interpreter import Interpreter
from pumpsafe.model.rules import PumpModel, build_model
from pumpsafe.model.state import State
from pumpsafe.model.terms import Value
from pumpsafe.model.trace import Step, Trace, resolved_by_var

from pumpsafe import __version__

# How often the random walk picks each rule (time passing dominates, as in life).
RULE_WEIGHTS = {"infuse": 12, "program": 2, "refill": 2, "bolus": 1, "clinician_review": 1}
_TRIES = 24


def resolve_ranges(device: Device, rng: random.Random) -> dict[str, int]:
    """Pick one value in every ranged parameter (by dotted key)."""
    return {key: rng.randint(int(p.lo), int(p.hi))  # type: ignore[arg-type]
            for key, p in sorted(device.params.items()) if p.is_range}


def random_args(interp: Interpreter, rule: str, state: State,
                rng: random.Random) -> dict[str, Value]:
    """Draw every parameter of ``rule`` in order from its range, favouring the range's ends."""
    args: dict[str, Value] = {}
    for param in interp.model.rule(rule).params:
        (_, (lo, hi)) = interp.param_range(rule, state, args)[-1]
        if param.sort == "bool":
            args[param.name] = rng.random() < 0.5
        elif param.choices:
            args[param.name] = rng.choice(param.choices)
        elif hi < lo:
            args[param.name] = lo  # empty range: the step will not be enabled
        else:
            roll = rng.random()
            args[param.name] = lo if roll < 0.2 else hi if roll < 0.4 else rng.randint(lo, hi)
    return args


def random_step(interp: Interpreter, state: State,
                rng: random.Random) -> tuple[str, dict[str, Value], State]:
    """One enabled random step; ``infuse`` with a one-minute step is always possible."""
    names = [r.name for r in interp.model.rules]
    weights = [RULE_WEIGHTS.get(n, 1) for n in names]
    for _ in range(_TRIES):
        rule = rng.choices(names, weights)[0]
        args = random_args(interp, rule, state, rng)
        nxt = interp.step(rule, state, args)
        if nxt is not None:
            return rule, args, nxt
    args = {"dt_min": 1, "flow_ul": interp.param_range("infuse", state, {"dt_min": 1})[-1][1][0]}
    nxt = interp.step("infuse", state, args)
    if nxt is None:
        raise RuntimeError("model deadlock: a one-minute infusion step is not enabled")
    return "infuse", args, nxt


def simulate(device: Device, steps: int, seed: int,
             scenario: Sequence[tuple[str, dict[str, Value]]] | None = None,
             scenario_source: str = "") -> Trace:
    """Run ``steps`` random steps (or the scenario's steps) from the initial state."""
    rng = random.Random(seed)
    model: PumpModel = build_model(device)
    resolved = resolve_ranges(device, rng)
    interp = Interpreter(model, resolved_by_var(device, resolved))
    state = interp.initial_state()
    out: list[Step] = []
    if scenario is None:
        for _ in range(steps):
            rule, args, state = random_step(interp, state, rng)
            out.append(Step(rule, args, state))
    else:
        for i, (rule, args) in enumerate(scenario):
            why = interp.explain(rule, state, args)
            if why:
                raise InputError(scenario_source, f"steps[{i}]", f"rule {rule} cannot run: {why}",
                                 "change the step's parameters or the steps before it")
            state = interp.step(rule, state, args)  # type: ignore[assignment]
            out.append(Step(rule, args, state))
    generator = {"tool": "pumpsafe simulate", "version": __version__, "seed": seed,
                 "steps": len(out), "scenario": scenario_source or None}
    return Trace(device, resolved, interp.initial_state(), tuple(out), generator)
