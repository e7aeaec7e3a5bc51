"""Benchmark ``pumpsafe fta`` on every tree of expected.csv, beside SCRAM when it is installed.

Usage: python bench/fta.py [--expected PATH] [--limit SECONDS] [--only NAME ...] [--no-scram]

Each tree runs in a child process with a time limit (probability, MCS count, wall time, peak
memory; where the BDD is too large, the truncated fallback's method and bounds in the notes);
SCRAM (``scram FILE --bdd --probability 1``) runs in the same session with the same limit, as an
oracle only. nus9601 uses SCRAM's valid copy (see expected.csv).
"""

from __future__ import annotations

import csv
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

CHILD = """
import json, sys, time
from pumpsafe.hazards import FtaOptions, analyze, read_mef
t = time.perf_counter()
r = analyze(read_mef([sys.argv[1]]), FtaOptions(top=sys.argv[2]))
print(json.dumps({"p": r.probability, "mcs": r.positive_cut_sets.count,
  "kind": r.cut_sets.kind, "count": r.cut_sets.count, "bdd": r.bdd_nodes,
  "t": time.perf_counter() - t, "phases": r.time_s, "method": r.probability_method,
  "bounds": r.probability_bounds,
  "hwm_kb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])}))
"""


def _run(command: list[str], limit: float) -> tuple[str, str, float, float, int | None]:
    """Run ``command``: (stdout, stderr, wall s, peak RSS MB, exit code or None on timeout).

    The peak is the child's own ``VmHWM`` (high-water resident set of its address space, CUDD's
    and SCRAM's C heaps included), read from /proc every 20 ms while it runs, plus the peaks of
    the processes it forks (our BDD step tries its second variable order in one), as if they
    had peaked at the same time: an upper bound (the pages a forked child shares with its
    parent count twice). ``ru_maxrss`` (``getrusage``/``wait4``) is not used: on this
    kernel it reported the same 8.4 GB for every child of a long bench session, whatever the
    child did.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        peaks: dict[int, int] = {}
        code = None
        while (code := child.poll()) is None:
            for pid in (child.pid, *_forked_by(child.pid)):
                peaks[pid] = max(peaks.get(pid, 0), _high_water_kb(pid))
            if time.perf_counter() - started > limit:
                child.kill()
                child.wait()
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        # SCRAM's report lists every product (gigabytes on edf9204): read only its head, where
        # the sum-of-products element with the totals comes first.
        return out.read(1 << 20), err.read(1 << 20), wall, sum(peaks.values()) / 1024, code


def _forked_by(pid: int) -> list[int]:
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii")
    except OSError:
        return []
    return [int(p) for p in listed.split()]


def _high_water_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else 0


def _ours(path: Path, top: str, limit: float) -> dict[str, object]:
    out, err, wall, mb, code = _run([sys.executable, "-c", CHILD, str(path), top], limit)
    if code is None:
        return {"status": f"timeout>{limit:.0f}s", "mb": mb}
    if code != 0:
        return {"status": "error: " + (err.strip().splitlines() or ["?"])[-1][:80]}
    result: dict[str, object] = json.loads(out)
    result.update(wall=wall, mb=max(mb, int(str(result["hwm_kb"])) / 1024), status="ok")
    return result


def _scram(path: Path, limit: float) -> dict[str, object]:
    if shutil.which("scram") is None:
        return {"status": "not installed"}
    out, _err, wall, mb, code = _run(["scram", str(path), "--bdd", "--probability", "1"], limit)
    if code is None:
        return {"status": f"timeout>{limit:.0f}s", "mb": mb}
    p = re.search(r'<sum-of-products[^>]*probability="([^"]+)"', out)
    n = re.search(r'<sum-of-products[^>]*products="([^"]+)"', out)
    if code != 0 or p is None:
        return {"status": "error", "wall": wall}
    return {
        "status": "ok",
        "p": float(p.group(1)),
        "mcs": int(n.group(1)) if n else None,
        "wall": wall,
        "mb": mb,
    }


@click.command()
@click.option(
    "--expected",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=Path(__file__).resolve().parents[2] / "shared/benchmarks/openpsa/expected.csv",
    show_default=True,
)
@click.option("--limit", type=float, default=60.0, show_default=True, help="Seconds per run.")
@click.option("--only", multiple=True, help="Tree name (repeatable).")
@click.option("--no-scram", is_flag=True, help="Do not run SCRAM.")
def main(expected: Path, limit: float, only: tuple[str, ...], no_scram: bool) -> None:
    """Print one row per tree: ours beside expected and SCRAM."""
    rows = list(csv.DictReader(expected.open(encoding="utf-8")))
    print(
        f"{'tree':10s} {'P ok':5s} {'MCS ok':7s} {'ours s':>8s} {'MB':>6s} {'SCRAM s':>9s} "
        f"{'SCRAM MB':>8s} {'SCRAM P ok':10s} {'P (ours)':>14s} {'MCS (ours)':>11s} "
        f"{'MCS (SCRAM)':>11s} {'load':>5s} notes"
    )
    loads = [os.getloadavg()[0]]
    total_ours = total_scram = 0.0
    for row in rows:
        name = Path(row["file"]).stem
        if only and name not in only:
            continue
        path = expected.parent / row["file"]
        load = os.getloadavg()[0]  # 1-minute load average before the tree, other jobs included
        loads.append(load)
        ours = _ours(path, row["top_gate"], limit)
        scram = {"status": "skipped"} if no_scram else _scram(path, limit)
        p_ok = mcs_ok = "-"
        if ours["status"] == "ok" and row["expected_probability"]:
            diff = abs(float(str(ours["p"])) - float(row["expected_probability"]))
            p_ok = "yes" if diff <= float(row["probability_tolerance"]) else "NO"
        if ours["status"] == "ok" and row["expected_mcs_count"]:
            mcs_ok = "yes" if ours["mcs"] == int(row["expected_mcs_count"]) else "NO"
        scram_ok = "-"
        if scram["status"] == "ok" and row["expected_probability"]:
            diff = abs(float(str(scram["p"])) - float(row["expected_probability"]))
            scram_ok = "yes" if diff <= 1e-5 * float(row["expected_probability"]) else "NO"
        ours_s = f"{float(str(ours['wall'])):8.2f}" if ours["status"] == "ok" else f"{'-':>8s}"
        scram_s = f"{float(str(scram['wall'])):9.2f}" if scram["status"] == "ok" else f"{'-':>9s}"
        if ours["status"] == "ok" and scram["status"] == "ok":
            total_ours += float(str(ours["wall"]))
            total_scram += float(str(scram["wall"]))
        mb = f"{float(str(ours['mb'])):6.0f}" if "mb" in ours else f"{'-':>6s}"
        p_txt = f"{float(str(ours['p'])):14.9g}" if ours["status"] == "ok" else f"{'-':>14s}"
        m_txt = f"{ours['mcs']!s:>11s}" if ours["status"] == "ok" else f"{'-':>11s}"
        notes = "" if ours["status"] == "ok" else f"ours: {ours['status']} "
        if ours.get("method", "bdd-exact") != "bdd-exact":  # the truncated fallback: bounds
            low, high = (float(str(b)) for b in list(ours["bounds"]))  # type: ignore[call-overload]
            notes += f"{ours['method']}: P in [{low:.6g}, {high:.6g}] "
        notes += "" if scram["status"] == "ok" else f"scram: {scram['status']}"
        scram_mb = f"{float(str(scram['mb'])):8.0f}" if "mb" in scram else f"{'-':>8s}"
        scram_n = f"{scram['mcs']!s:>11s}" if scram["status"] == "ok" else f"{'-':>11s}"
        print(
            f"{name:10s} {p_ok:5s} {mcs_ok:7s} {ours_s} {mb} {scram_s} {scram_mb} {scram_ok:10s} "
            f"{p_txt} {m_txt} {scram_n} {load:5.2f} {notes}",
            flush=True,
        )
    if total_scram:
        print(
            f"total on trees both finished: ours {total_ours:.1f} s, SCRAM {total_scram:.1f} s, "
            f"ratio {total_ours / total_scram:.2f}"
        )
    loads.append(os.getloadavg()[0])
    print(
        f"1-minute load average during the run: mean {sum(loads) / len(loads):.2f}, "
        f"min {min(loads):.2f}, max {max(loads):.2f} (this run adds about 1)"
    )
    print(f"(bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} kB)")


if __name__ == "__main__":
    main()
