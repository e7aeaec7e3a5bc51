"""A function run in a forked child process while the caller goes on, its result read back on
demand or the child killed.

The BDD step uses it to try a second variable order on the machine's other core while the
first is tried here (:func:`pumpsafe.hazards.bdd.build_formula_bdd`), when
:func:`usable_cores` says there is one. The caller must give the same answer without it:
:func:`start` returns None where no child can be made (no ``fork``, or ``fork`` refused), and a
child that fails is reported as such, never as a result.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any


class Forked:
    """A running child; :meth:`result` waits for its answer, :meth:`cancel` kills it."""

    def __init__(self, pid: int, read_end: int) -> None:
        self._pid = pid
        self._read_end = read_end
        self._open = True

    def result(self, limit_s: float = 600.0) -> tuple[str, Any]:
        """``("ok", value)``, ``("error", detail)`` when the function raised, or ``("crash",
        detail)`` when the child died without answering or gave no answer within ``limit_s``
        (then it is killed: a safety net for a child that hangs, since a caller must give the
        same answer without it)."""
        chunks: list[bytes] = []
        deadline = time.monotonic() + limit_s
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._read_end], [], [], left)[0]:
                    self.cancel()
                    return "crash", f"the child process gave no answer in {limit_s:g} s"
                chunk = os.read(self._read_end, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            self._close()
        _, status = os.waitpid(self._pid, 0)
        if not chunks:
            return "crash", f"the child process died (wait status {status})"
        kind, value = pickle.loads(b"".join(chunks))
        return kind, value

    def cancel(self) -> None:
        """Kill the child (if it is still running) and reap it."""
        if not self._open:
            return
        self._close()
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self._pid, 0)

    def _close(self) -> None:
        if self._open:
            os.close(self._read_end)
            self._open = False


def start(run: Callable[[], Any]) -> Forked | None:
    """``run()`` in a forked child, or None when this process cannot fork. The child writes
    ``run()``'s value (pickled) and exits at once, never returning into the caller's code."""
    if not hasattr(os, "fork"):
        return None
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child
        os.close(read_end)
        try:
            answer: tuple[str, Any] = ("ok", run())
        except BaseException as error:  # everything goes back to the parent, as an error
            answer = ("error", f"{type(error).__name__}: {error}\n{traceback.format_exc(5)}")
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(answer))
        finally:
            os._exit(0)
    os.close(write_end)
    return Forked(pid, read_end)


def usable_cores() -> set[int]:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return os.sched_getaffinity(0)
    return set(range(os.cpu_count() or 1))
