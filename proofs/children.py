"""Run solver work in child processes with a time limit each.

Spacer can hang or crash on some inputs, so every hard query runs in a forked child. A child
that overruns its limit is killed, and one that dies without answering is reported; both become
``Unknown`` upstream, never a pass. Jobs run at most ``workers`` at a time.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import select
import signal
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# Tests set this to show that a hung or crashed solver is reported as unknown.
FAULT_INJECTION_ENV = "PUMPSAFE_INJECT_SOLVER_FAULT"


@dataclass(frozen=True)
class Job:
    """A function to run in a child, with its time limit."""

    key: str
    run: Callable[[], Any]
    limit_s: float


@dataclass(frozen=True)
class Outcome:
    """What a child gave back: ``ok`` with a value, or ``timeout``/``crash``/``error``."""

    key: str
    status: str
    value: Any = None
    detail: str = ""
    time_s: float = 0.0


def _child(job: Job, conn: multiprocessing.connection.Connection) -> None:
    fault = os.environ.get(FAULT_INJECTION_ENV, "")
    if fault == "crash":
        os._exit(70)
    if fault == "hang":
        time.sleep(10**6)
    try:
        conn.send(("ok", job.run(), ""))
    except Exception as e:  # a bug in a job must surface as its own outcome, not a hang
        conn.send(("error", None, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=4)}"))
    conn.close()


def run_all(jobs: Sequence[Job], workers: int) -> Iterator[Outcome]:
    """Run every job in its own forked child, ``workers`` at a time; yield outcomes as they
    finish (a job past its limit is killed and yields ``timeout``)."""
    ctx = multiprocessing.get_context("fork")
    pending = list(jobs)
    running: dict[Any, tuple[Job, Any, float]] = {}
    while pending or running:
        while pending and len(running) < max(1, workers):
            job = pending.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(job, child), daemon=True)
            proc.start()
            child.close()
            running[parent] = (job, proc, time.monotonic())
        now = time.monotonic()
        wait = min(t0 + job.limit_s for job, _, t0 in running.values()) - now
        ready = multiprocessing.connection.wait(list(running), timeout=max(0.0, wait))
        for ready_conn in ready:
            conn: Any = ready_conn  # only our pipes are waited on
            job, proc, t0 = running.pop(conn)
            elapsed = time.monotonic() - t0
            try:
                status, value, detail = conn.recv()
            except (EOFError, OSError):
                proc.join(5)
                yield Outcome(job.key, "crash", detail=f"solver process died (exit code "
                              f"{proc.exitcode})", time_s=elapsed)
                continue
            proc.join(5)
            yield Outcome(job.key, status, value, detail, elapsed)
        now = time.monotonic()
        for conn, (job, proc, t0) in list(running.items()):
            if now - t0 >= job.limit_s:
                proc.kill()
                proc.join(5)
                running.pop(conn)
                yield Outcome(job.key, "timeout", detail=f"time limit of {job.limit_s:g} s "
                              "reached", time_s=now - t0)


def run_one(job: Job) -> Outcome:
    """Run one job in a forked child and wait for it (killed at its limit). Unlike
    :func:`run_all` this works inside a child too (multiprocessing's daemonic children may not
    have children of their own), so a long search can put each solver query in its own process."""
    read_end, write_end = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, never return into the caller's code
        os.close(read_end)
        try:
            answer: tuple[str, Any, str] = ("ok", job.run(), "")
        except Exception as e:
            answer = ("error", None, f"{type(e).__name__}: {e}")
        with os.fdopen(write_end, "wb") as fh:
            fh.write(pickle.dumps(answer))
        os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    try:
        while True:
            left = start + job.limit_s - time.monotonic()
            if left <= 0 or not select.select([read_end], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return Outcome(job.key, "timeout", detail=f"time limit of {job.limit_s:g} s "
                               "reached", time_s=time.monotonic() - start)
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    elapsed = time.monotonic() - start
    if not chunks:
        return Outcome(job.key, "crash", detail=f"solver process died (wait status {status})",
                       time_s=elapsed)
    kind, value, detail = pickle.loads(b"".join(chunks))
    return Outcome(job.key, kind, value, detail, elapsed)
