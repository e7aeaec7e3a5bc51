"""``pumpsafe simulate`` and ``pumpsafe replay``."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from pumpsafe.clitools import fail_on_input_error, write_output
from pumpsafe.model.device import load_device
from pumpsafe.model.state import ALARMS
from pumpsafe.model.trace import (
    Trace,
    load_json,
    scenario_steps,
    trace_from_json,
    trace_to_json,
)
from pumpsafe.model.trace import (
    replay as replay_trace,
)


def _summary(trace: Trace) -> str:
    last = trace.steps[-1].state if trace.steps else trace.initial
    rules = Counter(s.rule for s in trace.steps)
    fired = sorted({a.removeprefix("alarm_") for s in trace.steps for a in ALARMS
                    if getattr(s.state, a)})
    lines = [
        f"device: {trace.device.name} ({trace.device.path})",
        f"steps: {len(trace.steps)}   simulated time: {last.t_min} min "
        f"({last.t_min / 1440:.1f} days)",
        "rules: " + ", ".join(f"{r}={n}" for r, n in sorted(rules.items())),
        f"reservoir: {last.reservoir_ul} uL actual, {last.believed_reservoir_ul} uL computed; "
        f"battery: {last.battery_min_left} min left",
        "alarms raised: " + (", ".join(fired) if fired else "none"),
    ]
    return "\n".join(lines)


@click.command()
@click.option("--device", "device_path", type=click.Path(dir_okay=False), default=None,
              help="Device TOML file (default: the built-in reference device).")
@click.option("--steps", type=click.IntRange(0, 1_000_000), default=200, show_default=True,
              help="Number of random steps.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--scenario", type=click.Path(dir_okay=False), default=None,
              help="Run the steps of a scenario (or trace) file instead of random ones.")
@click.option("--json", "json_out", type=str, default=None,
              help="Write the trace to FILE, or to standard output with '-'.")
@fail_on_input_error("simulate")
def simulate(device_path: str | None, steps: int, seed: int, scenario: str | None,
             json_out: str | None) -> None:
    """Run a seeded random (or scripted) scenario on the concrete model and write a trace."""
    from pumpsafe.model.simulate import simulate as run

    device = load_device(device_path)
    script = scenario_steps(load_json(scenario), scenario) if scenario else None
    trace = run(device, steps, seed, script, scenario or "")
    if json_out:
        write_output(json_out, trace_to_json(trace))
    click.echo(_summary(trace), err=json_out == "-")
    if json_out and json_out != "-":
        click.echo(f"trace written to {json_out}", err=False)


@click.command()
@click.argument("trace_file", type=click.Path(dir_okay=False))
@fail_on_input_error("replay")
def replay(trace_file: str) -> None:
    """Re-execute TRACE_FILE on the concrete model: exit 0 when every state matches, 1 at the
    first divergence."""
    trace = trace_from_json(load_json(trace_file), trace_file)
    divergence = replay_trace(trace)
    if divergence is None and trace.violation is not None:
        from pumpsafe.fuzzing.replaying import check_violation

        problem = check_violation(trace)
        if problem:
            click.echo(f"{trace_file}: every state matches, but the recorded violation is not "
                       f"reproduced: {problem}", err=True)
            sys.exit(1)
        click.echo(f"{Path(trace_file).name}: replayed {len(trace.steps)} steps; every state "
                   f"matches and {trace.violation['requirement']} is violated at step "
                   f"{trace.violation['step']}, as recorded")
        return
    if divergence is None:
        click.echo(f"{Path(trace_file).name}: replayed {len(trace.steps)} steps; every state "
                   "matches")
        return
    click.echo(f"{trace_file}: diverges at {divergence.message}", err=True)
    sys.exit(1)
