"""Steps per second of the generated state machine on the reference device, beside a bare
Hypothesis machine with the same number of rules doing nothing, and the ratio (what the pump
model, the monitor and the parameter draws cost on top of Hypothesis itself).

    python bench/fuzz.py [--examples N] [--device FILE]

Single process, derandomized, generation only (no database, no shrinking), every permission
set of the catalogue in turn. Wall-clock times: run on an idle machine.
"""

from __future__ import annotations

import time
from typing import Any

import click
from hypothesis import Phase, Verbosity, settings
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test
from pumpsafe.model.device import load_device
from pumpsafe.model.rules import build_model
from pumpsafe.proofs.requirements import catalogue

from pumpsafe.fuzzing.machine import build_machine, find_violation, machine_specs
from pumpsafe.fuzzing.permsets import checkable
from pumpsafe.fuzzing.profiles import SUPPRESSED
from pumpsafe.fuzzing.stats import Stats


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    phases=(Phase.generate,), verbosity=Verbosity.quiet, print_blob=False,
                    report_multiple_bugs=False, stateful_step_count=50, backend="hypothesis",
                    suppress_health_check=list(SUPPRESSED))


def bare_machine(rule_count: int, counter: list[int]) -> type[RuleBasedStateMachine]:
    """A machine of ``rule_count`` argument-less rules that only count their calls."""
    def make(i: int) -> Any:
        def step(self: RuleBasedStateMachine) -> None:
            counter[0] += 1
        step.__name__ = f"rule_{i}"
        return rule()(step)

    return type("BareMachine", (RuleBasedStateMachine,),
                {f"rule_{i}": make(i) for i in range(rule_count)})


def generated_steps_per_s(device_path: str | None, examples: int) -> tuple[float, int, int]:
    """Steps/s over every spec; also the steps taken and the rule calls (steps + skipped)."""
    device = load_device(device_path)
    stats = Stats()
    t0 = time.perf_counter()
    for spec in machine_specs(device, checkable(catalogue(device))):
        error = find_violation(build_machine(spec, stats), _settings(examples))
        if error is not None:
            raise SystemExit(f"{error}: bench on a device that fails")
    elapsed = time.perf_counter() - t0
    return stats.steps / elapsed, stats.steps, stats.steps + sum(stats.skipped.values())


def bare_steps_per_s(rule_count: int, examples: int, runs: int) -> float:
    counter = [0]
    machine = bare_machine(rule_count, counter)
    t0 = time.perf_counter()
    for _ in range(runs):
        run_state_machine_as_test(machine, settings=_settings(examples))
    return counter[0] / (time.perf_counter() - t0)


@click.command()
@click.option("--examples", type=click.IntRange(min=1), default=100, show_default=True,
              help="Test cases per permission set.")
@click.option("--device", "device_path", default=None, help="Device file (default: reference).")
def main(examples: int, device_path: str | None) -> None:
    """Print steps/s of the generated machine and of a bare one, and the ratio."""
    rules = len(build_model(load_device(device_path)).rules)
    gen, steps, calls = generated_steps_per_s(device_path, examples)
    runs = len(machine_specs(load_device(device_path), checkable(catalogue(load_device()))))
    bare = bare_steps_per_s(rules, examples, runs)
    click.echo(f"generated machine: {gen:8.0f} steps/s ({steps} steps, {calls - steps} of "
               f"{calls} rule calls skipped as not enabled)")
    click.echo(f"bare machine:      {bare:8.0f} steps/s ({rules} rules doing nothing)")
    click.echo(f"ratio bare/generated: {bare / gen:.1f}x")


if __name__ == "__main__":
    main()
