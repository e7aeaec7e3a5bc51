"""Check the truncated fallback's bounds on every coherent tree of expected.csv.

Usage: python bench/fta_bounds.py [--expected PATH] [--cutoff P] [--limit SECONDS]

Each tree runs in a child process with ``FtaOptions(force_truncated=True)`` (the fallback even
where the BDD fits) and the row says whether ``lower <= expected <= upper`` (within the
expected value's tolerance), with the kept cut sets, the cut-off and the time. A violation is a
bug in the error bound.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import click

CHILD = """
import json, sys, time
from pumpsafe.hazards import FtaOptions, analyze, read_mef
t = time.perf_counter()
cutoff = None if sys.argv[3] == "-" else float(sys.argv[3])
r = analyze(read_mef([sys.argv[1]]),
            FtaOptions(top=sys.argv[2], force_truncated=True, cutoff=cutoff))
print(json.dumps({"bounds": r.probability_bounds, "kept": r.cut_sets.count,
  "cutoff": r.truncation.cutoff, "method": r.probability_method, "t": time.perf_counter() - t}))
"""


@click.command()
@click.option(
    "--expected",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=Path(__file__).resolve().parents[2] / "shared/benchmarks/openpsa/expected.csv",
    show_default=True,
)
@click.option("--cutoff", type=float, default=None, help="Cut-off (default: the fallback's).")
@click.option("--limit", type=float, default=60.0, show_default=True, help="Seconds per tree.")
def main(expected: Path, cutoff: float | None, limit: float) -> None:
    """One row per coherent tree with an expected probability."""
    violations = 0
    for row in csv.DictReader(expected.open(encoding="utf-8")):
        if row["coherent"] != "yes" or not row["expected_probability"]:
            continue
        name = Path(row["file"]).stem
        command = [sys.executable, "-c", CHILD, str(expected.parent / row["file"]),
                   row["top_gate"], "-" if cutoff is None else repr(cutoff)]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            print(f"{name:10s} timeout>{limit:.0f}s", flush=True)
            continue
        if run.returncode != 0:
            print(f"{name:10s} error: {(run.stderr.strip().splitlines() or ['?'])[-1][:80]}")
            continue
        out = json.loads(run.stdout)
        lower, upper = out["bounds"]
        exact, tol = float(row["expected_probability"]), float(row["probability_tolerance"])
        ok = lower <= exact + tol and exact - tol <= upper
        violations += not ok
        print(
            f"{name:10s} {'ok' if ok else 'VIOLATION':9s} lower {lower:<12.6g} expected "
            f"{exact:<12.6g} upper {upper:<12.6g} kept {out['kept']:<9d} cutoff "
            f"{out['cutoff']:.3g} {out['method']} {out['t']:.2f} s",
            flush=True,
        )
    print(f"{violations} violation(s)")


if __name__ == "__main__":
    main()
