"""Two measurements of the fuzzer.

Throughput (the default): steps per second of the generated state machine on the reference
device, beside a bare Hypothesis machine with the same number of rules doing nothing, and the
ratio generated/bare (target >= 0.5: the pump model, the monitor and the parameter draws cost at
most as much as Hypothesis' own step).
Single process, derandomized, generation only (no database, no shrinking), every permission set
of the catalogue in turn, each followed by the bare machine for as many test cases (so both see
the same load); the ratio is also printed in process CPU time. ``--repeat R`` runs it R times
and prints the median and the worst.

    python bench/fuzz.py [--examples N] [--device FILE] [--repeat R]

Time to first failure (``--ttf``): for every unsafe device of ``tests/devices`` (or the
``--device`` files), ``--runs`` campaigns of ``pumpsafe fuzz`` with ``--workers`` processes, each
on a fresh empty example database (nothing carried over between runs) and stopped once the first
shrunk failure has arrived. Per device: the requirement, the median and the worst time to first
failure (a miss counts as the budget), the shrink time, and whether every shrunk trace replays.

    python bench/fuzz.py --ttf [--runs 3] [--workers 2] [--seconds 60] [--device FILE ...]

Wall-clock times: on a shared machine repeat and read the medians and the worst case.
"""

from __future__ import annotations

import functools
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from hypothesis import Phase, Verbosity, settings
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test
from pumpsafe.model.device import load_device
from pumpsafe.model.trace import trace_from_json
from pumpsafe.proofs.requirements import catalogue

from pumpsafe.fuzzing.campaign import CampaignConfig, Progress, run_campaign
from pumpsafe.fuzzing.machine import (
    MachineSpec,
    Observer,
    build_machine,
    find_violation,
    machine_specs,
)
from pumpsafe.fuzzing.permsets import checkable
from pumpsafe.fuzzing.profiles import SUPPRESSED
from pumpsafe.fuzzing.replaying import check_violation
from pumpsafe.fuzzing.stats import Stats

DEVICES = Path(__file__).resolve().parent.parent / "tests" / "devices"


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


def hypothesis_rule_count(machine: type[RuleBasedStateMachine]) -> int:
    """The rules Hypothesis picks from in ``machine``."""
    return len(machine.setup_state().rules)


@dataclass
class Throughput:
    """Steps and seconds (wall clock and process CPU) of both machines over one run."""

    steps: int = 0  # of the generated machine
    calls: int = 0  # its rule calls: steps + skipped
    hypothesis_calls: int = 0  # the rules Hypothesis called (a call may take several steps)
    bare_steps: int = 0
    wall: list[float] = field(default_factory=lambda: [0.0, 0.0])  # generated, bare
    cpu: list[float] = field(default_factory=lambda: [0.0, 0.0])

    def rates(self, clock: list[float]) -> tuple[float, float]:
        return self.steps / clock[0], self.bare_steps / clock[1]

    def call_rates(self, clock: list[float]) -> tuple[float, float]:
        """Hypothesis rule calls per second of both machines."""
        return self.hypothesis_calls / clock[0], self.bare_steps / clock[1]


class _CallCounter(Observer):
    """Counts the rule calls Hypothesis makes on a generated machine."""

    def __init__(self) -> None:
        self.calls = 0

    def step(self) -> None:
        self.calls += 1


def _timed(out: Throughput, which: int, run: Callable[[], None]) -> None:
    w, c = time.perf_counter(), time.process_time()
    run()
    out.wall[which] += time.perf_counter() - w
    out.cpu[which] += time.process_time() - c


def throughput(device_path: str | None, examples: int) -> Throughput:
    """Every spec's machine, each followed by a bare machine of as many rules run as long (in
    test cases): on a shared machine both then see the same load, which moves between the
    seconds each takes (measured one after the other, the ratio of two runs at load 3-4 was
    anywhere in 0.47..0.67)."""
    device = load_device(device_path)
    stats = Stats()
    counter = [0]
    # as many Hypothesis rules as the generated machine registers (a routine move is
    # registered more than once, see machine.ORDINARY_WEIGHT)
    specs = machine_specs(device, checkable(catalogue(device)))
    bare = bare_machine(hypothesis_rule_count(build_machine(specs[0])), counter)
    out = Throughput()
    called = _CallCounter()

    def generated(spec: MachineSpec) -> None:
        error = find_violation(build_machine(spec, stats, called), _settings(examples))
        if error is not None:
            raise SystemExit(f"{error}: bench on a device that fails")

    for spec in specs:
        _timed(out, 0, functools.partial(generated, spec))
        _timed(out, 1, lambda: run_state_machine_as_test(bare, settings=_settings(examples)))
    out.steps, out.bare_steps = stats.steps, counter[0]
    out.calls = stats.steps + sum(stats.skipped.values())
    out.hypothesis_calls = called.calls
    return out


def first_failure(device_path: str, workers: int, seconds: float) -> dict[str, Any]:
    """One campaign on a fresh database, stopped at the first shrunk failure."""
    with tempfile.TemporaryDirectory(prefix="pumpsafe-bench-") as tmp:
        cfg = CampaignConfig(device_path, workers, str(Path(tmp) / "db"), seconds,
                             stop_on_failure=True)
        p: Progress = run_campaign(cfg, lambda _: None)
    rate = p.totals.steps / p.elapsed_s if p.elapsed_s > 0 else 0.0
    if not p.first_seen_s:
        return {"found_s": None, "requirement": None, "shrunk_s": None, "replays": None,
                "steps_per_s": rate}
    req, found = min(p.first_seen_s.items(), key=lambda kv: kv[1])
    shrunk = [f for f in p.failures.values() if f.shrunk]
    why = [check_violation(trace_from_json(json.loads(f.trace_json), "bench"))
           for f in p.failures.values()]
    return {"found_s": found, "requirement": req,
            "shrunk_s": min((f.reported_after_s for f in shrunk), default=None),
            "replays": all(w is None for w in why), "steps_per_s": rate}


def ttf_table(devices: list[str], runs: int, workers: int, seconds: float) -> None:
    click.echo(f"time to first failure, {workers} workers, {runs} runs per device, "
               f"budget {seconds:.0f} s, fresh database per run")
    click.echo(f"{'device':36} {'requirement(s)':22} {'median':>7} {'worst':>7} "
               f"{'misses':>6} {'shrunk at':>10} {'steps/s':>8} replays  runs")
    for path in devices:
        rows = []
        for _ in range(runs):
            rows.append(first_failure(path, workers, seconds))
        times = [r["found_s"] if r["found_s"] is not None else seconds for r in rows]
        misses = sum(r["found_s"] is None for r in rows)
        reqs = ",".join(sorted({r["requirement"] for r in rows if r["requirement"]}))
        shrunk = [r["shrunk_s"] for r in rows if r["shrunk_s"] is not None]
        replays = all(r["replays"] is not False for r in rows)
        each = " ".join("-" if r["found_s"] is None else f"{r['found_s']:.1f}" for r in rows)
        click.echo(f"{Path(path).stem:36} {reqs:22} {statistics.median(times):6.1f}s "
                   f"{max(times):6.1f}s {misses:>6} "
                   f"{(statistics.median(shrunk) if shrunk else float('nan')):9.1f}s "
                   f"{statistics.median(r['steps_per_s'] for r in rows):8.0f} "
                   f"{'yes' if replays else 'NO':7}  {each}")


@click.command()
@click.option("--examples", type=click.IntRange(min=1), default=100, show_default=True,
              help="Test cases per permission set.")
@click.option("--device", "device_paths", multiple=True,
              help="Device file (default: reference; with --ttf every unsafe test device).")
@click.option("--repeat", type=click.IntRange(min=1), default=1, show_default=True,
              help="Throughput runs (median and worst are printed).")
@click.option("--ttf", is_flag=True, help="Measure time to first failure instead.")
@click.option("--runs", type=click.IntRange(min=1), default=3, show_default=True,
              help="Campaigns per device for --ttf.")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--seconds", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Budget of one --ttf campaign.")
def main(examples: int, device_paths: tuple[str, ...], repeat: int, ttf: bool, runs: int,
         workers: int, seconds: float) -> None:
    """Print steps/s of the generated machine and of a bare one, and the ratio; or (--ttf) the
    time to first failure of every unsafe device."""
    if ttf:
        ttf_table(list(device_paths) or sorted(str(p) for p in DEVICES.glob("unsafe_*.toml")),
                  runs, workers, seconds)
        return
    device_path = device_paths[0] if device_paths else None
    device = load_device(device_path)
    specs = machine_specs(device, checkable(catalogue(device)))
    rules = hypothesis_rule_count(build_machine(specs[0]))
    ratios, cpu_ratios, gens, bares, call_ratios = [], [], [], [], []
    for _ in range(repeat):
        t = throughput(device_path, examples)
        gen, bare = t.rates(t.wall)
        cpu_gen, cpu_bare = t.rates(t.cpu)
        gens.append(gen)
        bares.append(bare)
        ratios.append(gen / bare)
        cpu_ratios.append(cpu_gen / cpu_bare)
        gen_calls, bare_calls = t.call_rates(t.wall)
        call_ratios.append(gen_calls / bare_calls)
        click.echo(f"generated machine: {gen:8.0f} steps/s ({t.steps} steps, {t.calls - t.steps} "
                   f"of {t.calls} rule calls skipped as not enabled)")
        click.echo(f"bare machine:      {bare:8.0f} steps/s ({rules} rules doing nothing)")
        click.echo(f"ratio generated/bare: {gen / bare:.2f} (target >= 0.5); in process CPU "
                   f"time {cpu_gen:.0f} / {cpu_bare:.0f} steps/s = {cpu_gen / cpu_bare:.2f}")
        click.echo(f"per Hypothesis rule call: generated {gen_calls:.0f} calls/s "
                   f"({t.steps / max(t.hypothesis_calls, 1):.2f} model steps per call: time "
                   f"after a move, repeated moves), bare {bare_calls:.0f}, ratio "
                   f"{gen_calls / bare_calls:.2f}")
    if repeat > 1:
        click.echo(f"median over {repeat}: generated {statistics.median(gens):.0f} steps/s "
                   f"(worst {min(gens):.0f}), bare {statistics.median(bares):.0f}, ratio "
                   f"generated/bare {statistics.median(ratios):.2f} (worst {min(ratios):.2f}); "
                   f"in CPU time {statistics.median(cpu_ratios):.2f} "
                   f"(worst {min(cpu_ratios):.2f}); per rule call "
                   f"{statistics.median(call_ratios):.2f} (worst {min(call_ratios):.2f})")

if __name__ == "__main__":
    main()
