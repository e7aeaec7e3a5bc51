"""A fuzzing campaign: worker processes running the generated machines against one shared
example database, until a time or example budget is spent or the user presses Ctrl-C.

Each worker runs one machine over every machine spec (one per fault-permission set): each test
case draws its spec, so every permission set is fuzzed from the first second (running the specs
one after another in batches left the last spec unvisited for most of a minute). The database
carries failures and targeting observations between workers and between campaigns: a failure
one worker shrank is replayed first by every other worker that runs the same spec, and by the
next campaign. A worker that has reported a requirement's failure keeps running that spec with
the requirement left out (a different database key), so one failure does not hide the others.

Workers ignore SIGINT: on Ctrl-C or time-out the parent sets a stop event, each worker's
machine raises :class:`~pumpsafe.fuzzing.machine.Interrupted` at its next step (Hypothesis lets
it through without shrinking or touching the database) and the worker reports the best trace it
saw for any violation it had not finished shrinking.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import queue as queue_mod
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from typing import Any

import hypothesis
from hypothesis import Phase, Verbosity, settings

from pumpsafe.fuzzing.database import open_database
from pumpsafe.fuzzing.machine import (
    Interrupted,
    MachineSpec,
    ModelMachine,
    Observer,
    RequirementViolated,
    build_machine,
    find_violation,
    machine_specs,
    specs_digest,
)
from pumpsafe.fuzzing.permsets import drop_assumptions, select
from pumpsafe.fuzzing.profiles import register_profiles
from pumpsafe.fuzzing.stats import Stats
from pumpsafe.model.device import Device, load_device
from pumpsafe.model.trace import trace_to_json
from pumpsafe.proofs.requirements import catalogue

POLL_S = 0.25
STATS_EVERY_S = 1.0
SHRINK_GRACE_S = 30.0  # past the deadline, a worker may finish shrinking a failure this long


@dataclass(frozen=True)
class CampaignConfig:
    """What to fuzz and for how long (``seconds`` or ``examples``; either may be None)."""

    device_path: str | None
    workers: int
    db: str
    seconds: float | None = 60.0
    examples: int | None = None
    seed: int | None = None
    only: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    batch_examples: int = 300
    step_count: int = 50
    stop_on_failure: bool = False  # stop once a shrunk failure has arrived (bench, CI)


@dataclass
class Failure:
    """The best trace of one requirement's violation seen so far; the times (seconds since the
    campaign started, by the parent's clock) are when a worker first saw the violation and
    when this trace arrived."""

    requirement: str
    trace_json: str
    steps: int
    shrunk: bool
    worker: int
    found_after_s: float = 0.0
    reported_after_s: float = 0.0


@dataclass
class Progress:
    """Totals so far, for the progress line and the result."""

    elapsed_s: float = 0.0
    totals: Stats = field(default_factory=Stats)
    failures: dict[str, Failure] = field(default_factory=dict)
    first_seen_s: dict[str, float] = field(default_factory=dict)
    interrupted: bool = False
    timed_out: bool = False


def prepare(cfg: CampaignConfig) -> tuple[Device, tuple[MachineSpec, ...]]:
    """The device and the machine specs; every bad input raises :class:`InputError`."""
    device = load_device(cfg.device_path)
    reqs = select(drop_assumptions(catalogue(device), cfg.dropped), cfg.only)
    open_database(cfg.db)
    return device, machine_specs(device, reqs, cfg.dropped)


def run_campaign(cfg: CampaignConfig, report: Callable[[Progress], None],
                 report_every_s: float = 3.0) -> Progress:
    """Run the workers to the end of the budget (or Ctrl-C); ``report`` gets the progress every
    ``report_every_s`` seconds. Input is checked first, in this process (:func:`prepare`)."""
    prepare(cfg)
    ctx = mp.get_context("spawn")
    messages: mp.Queue[tuple[Any, ...]] = ctx.Queue()
    stop = ctx.Event()
    t0 = time.monotonic()
    procs = [ctx.Process(target=_worker_main, args=(cfg, i, messages, stop), daemon=True)
             for i in range(cfg.workers)]
    for p in procs:
        p.start()
    progress = Progress()
    try:
        _collect(cfg, procs, messages, stop, t0, progress, report, report_every_s)
    except KeyboardInterrupt:
        progress.interrupted = True
        stop.set()
        _collect(cfg, procs, messages, stop, t0, progress, report, report_every_s)
    for p in procs:
        p.join()
    progress.elapsed_s = time.monotonic() - t0
    return progress


def _collect(cfg: CampaignConfig, procs: list[Any], messages: mp.Queue[tuple[Any, ...]],
             stop: Event, t0: float, progress: Progress, report: Callable[[Progress], None],
             report_every_s: float) -> None:
    done: set[int] = set()
    next_report = t0 + report_every_s
    while len(done) < len(procs):
        now = time.monotonic()
        progress.elapsed_s = now - t0
        if cfg.seconds is not None and progress.elapsed_s >= cfg.seconds and not stop.is_set():
            progress.timed_out = True
            stop.set()
        if cfg.stop_on_failure and not stop.is_set() and any(
                f.shrunk for f in progress.failures.values()):
            stop.set()
        if now >= next_report:
            report(progress)
            next_report = now + report_every_s
        try:
            msg = messages.get(timeout=POLL_S)
        except queue_mod.Empty:
            done |= {i for i, p in enumerate(procs) if not p.is_alive() and p.exitcode != 0}
            continue
        _handle(msg, progress, done)


def _handle(msg: tuple[Any, ...], progress: Progress, done: set[int]) -> None:
    kind, worker = msg[0], msg[1]
    if kind == "stats":
        progress.totals.add(msg[2])
    elif kind == "seen":
        progress.first_seen_s.setdefault(msg[2], progress.elapsed_s)
    elif kind == "failure":
        failure = msg[2]
        failure.reported_after_s = progress.elapsed_s
        failure.found_after_s = progress.first_seen_s.get(failure.requirement,
                                                          progress.elapsed_s)
        _keep_best(progress, failure)
    elif kind == "error":
        raise RuntimeError(f"fuzz worker {worker} crashed:\n{msg[2]}")
    elif kind == "done":
        done.add(worker)


def _keep_best(progress: Progress, new: Failure) -> None:
    """Keep a shrunk trace over an unshrunk one, then the shorter."""
    old = progress.failures.get(new.requirement)
    if old is None or (new.shrunk, -new.steps) > (old.shrunk, -old.steps):
        if old is not None:
            new.reported_after_s = min(new.reported_after_s, old.reported_after_s)
        progress.failures[new.requirement] = new


# -- the worker process ---------------------------------------------------------------------------
class _WorkerObserver(Observer):
    """Checks for a stop every few steps, ships stats every second, remembers violations."""

    def __init__(self, cfg: CampaignConfig, index: int, messages: mp.Queue[tuple[Any, ...]],
                 stop: Event, stats: Stats) -> None:
        self.cfg, self.index, self.messages, self.stop, self.stats = (cfg, index, messages,
                                                                      stop, stats)
        self.t0 = time.monotonic()
        self.calls = self.examples_sent = 0
        self.last_flush = self.t0
        self.best: dict[str, RequirementViolated] = {}
        self.shrinking_since: float | None = None

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def step(self) -> None:
        self.calls += 1
        if self.calls % 32:
            return
        now = time.monotonic()
        if now - self.last_flush >= STATS_EVERY_S:
            self.flush()
        if self.stop.is_set() and not self._may_finish_shrinking(now):
            raise Interrupted

    def _may_finish_shrinking(self, now: float) -> bool:
        """After a time-out (not a Ctrl-C) a shrink under way may finish, within a grace."""
        timed_out = self.cfg.seconds is not None and self.elapsed() >= self.cfg.seconds
        return (timed_out and self.shrinking_since is not None
                and now - self.shrinking_since < SHRINK_GRACE_S)

    def violation(self, error: RequirementViolated) -> None:
        req = error.requirement
        if req not in self.best:
            self.messages.put(("seen", self.index, req))
        if self.shrinking_since is None:
            self.shrinking_since = time.monotonic()
        old = self.best.get(req)
        if old is None or len(error.trace.steps) < len(old.trace.steps):
            self.best[req] = error

    def flush(self) -> None:
        delta = self.stats.take()
        self.examples_sent += delta.examples
        self.messages.put(("stats", self.index, delta))
        self.last_flush = time.monotonic()

    def examples_run(self) -> int:
        return self.examples_sent + self.stats.examples

    def report(self, error: RequirementViolated, shrunk: bool) -> None:
        self.messages.put(("failure", self.index, Failure(
            error.requirement, trace_to_json(error.trace), len(error.trace.steps), shrunk,
            self.index)))


def _worker_main(cfg: CampaignConfig, index: int, messages: mp.Queue[tuple[Any, ...]],
                 stop: Event) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us through `stop`
    try:
        _Worker(cfg, index, messages, stop).run()
    except BaseException:  # any crash, shipped to the parent, which raises it
        messages.put(("error", index, traceback.format_exc()))
    finally:
        messages.put(("done", index))


TARGET_EVERY = 3  # one batch in this many runs the target phase (see targets_in_batch)


def targets_in_batch(worker: int, batch: int) -> bool:
    """Whether a worker's batch runs Hypothesis' target phase (hill climbing on the safety
    margins, :mod:`~pumpsafe.fuzzing.margins`): one batch in :data:`TARGET_EVERY`, staggered
    across workers (with two, neither targets in its first batch nor both at once). A target
    pass takes the second half of its batch, and climbing one margin can hold it in one corner
    of the state space. On the no-daily-limiter config (one failure, several unrelated paths
    to it: eleven large single boluses in a day, or one periodic bolus of 4 mg programmed),
    60 s campaigns on 2 workers found it in 3 of 7 runs with a target pass in every batch, 5 of
    6 in every other batch, 6 of 6 in one of three and 7 of 7 with none; no other unsafe
    config was found later without targeting (docs/fuzzing.md)."""
    return (worker + batch) % TARGET_EVERY == 0


class _Worker:
    """One worker: batches of the machine over every spec with requirements left to check,
    until stopped or out of examples."""

    def __init__(self, cfg: CampaignConfig, index: int, messages: mp.Queue[tuple[Any, ...]],
                 stop: Event) -> None:
        self.cfg, self.index = cfg, index
        _, self.specs = prepare(cfg)
        self.stats = Stats()
        self.observer = _WorkerObserver(cfg, index, messages, stop, self.stats)
        self.excluded: set[str] = set()  # requirements this worker has reported
        self.machines: dict[str, type[ModelMachine]] = {}
        register_profiles()
        self.settings = settings(settings.get_profile("nightly"), database=open_database(cfg.db),
                                 max_examples=cfg.batch_examples, print_blob=False,
                                 verbosity=Verbosity.quiet, stateful_step_count=cfg.step_count)
        self.examples_left = (None if cfg.examples is None
                              else -(-cfg.examples // cfg.workers))

    def run(self) -> None:
        batch = 0
        try:
            while self.examples_left is None or self.examples_left > 0:
                batch += 1
                if self._run_batch(batch) is False:
                    break
        except Interrupted:
            pass
        self._report_unshrunk()
        self.observer.flush()

    def _run_batch(self, batch: int) -> bool:
        """One batch of the machine over every active spec; False when none is left."""
        specs = self._active()
        if not specs:
            return False
        machine = self._machine(specs)
        if self.cfg.seed is not None:
            hypothesis.seed(hash((self.cfg.seed, self.index, batch)) & 0xFFFF_FFFF)(machine)
        before = self.observer.examples_run()
        budget = self.settings
        if not targets_in_batch(self.index, batch):
            budget = settings(budget, phases=[p for p in budget.phases if p != Phase.target])
        if self.examples_left is not None and self.examples_left < self.cfg.batch_examples:
            budget = settings(budget, max_examples=self.examples_left)
        error = find_violation(machine, budget)
        self.observer.shrinking_since = None
        if self.examples_left is not None:
            self.examples_left -= self.observer.examples_run() - before
        if error is not None:
            self.observer.report(error, shrunk=True)
            self.observer.best.pop(error.requirement, None)
            self.excluded.add(error.requirement)
        return True

    def _active(self) -> tuple[MachineSpec, ...]:
        """Every spec with its requirements not yet reported; specs left with none dropped."""
        out = []
        for spec in self.specs:
            reqs = tuple(r for r in spec.requirements if r.id not in self.excluded)
            if reqs:
                out.append(dataclasses.replace(spec, requirements=reqs))
        return tuple(out)

    def _machine(self, specs: tuple[MachineSpec, ...]) -> type[ModelMachine]:
        key = specs_digest(specs)
        if key not in self.machines:
            self.machines[key] = build_machine(specs, self.stats, self.observer)
        return self.machines[key]

    def _report_unshrunk(self) -> None:
        for error in self.observer.best.values():
            self.observer.report(error, shrunk=False)
