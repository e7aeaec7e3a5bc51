"""Benchmark ``pumpsafe fta`` on every tree of expected.csv, beside SCRAM when it is installed.

Usage: python bench/fta.py [--expected PATH] [--limit SECONDS] [--only NAME ...] [--no-scram]

Each tree runs in a child process with a time limit (probability, MCS count, wall time, peak
memory); SCRAM (``scram FILE --bdd --probability 1``) runs in the same session with the same
limit, as an oracle only. nus9601 uses SCRAM's valid copy (see expected.csv).
"""

from __future__ import annotations

import csv
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click

CHILD = """
import json, resource, sys, time
from pumpsafe.hazards import FtaOptions, analyze, read_mef
t = time.perf_counter()
r = analyze(read_mef([sys.argv[1]]), FtaOptions(top=sys.argv[2]))
print(json.dumps({"p": r.probability, "mcs": r.positive_cut_sets.count,
  "kind": r.cut_sets.kind, "count": r.cut_sets.count, "bdd": r.bdd_nodes,
  "t": time.perf_counter() - t,
  "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _ours(path: Path, top: str, limit: float) -> dict[str, object]:
    started = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), top],
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"status": f"timeout>{limit:.0f}s"}
    if out.returncode != 0:
        return {"status": "error: " + out.stderr.strip().splitlines()[-1][:80]}
    import json

    result: dict[str, object] = json.loads(out.stdout)
    result["wall"] = time.perf_counter() - started
    result["status"] = "ok"
    return result


def _scram(path: Path, limit: float) -> dict[str, object]:
    if shutil.which("scram") is None:
        return {"status": "not installed"}
    started = time.perf_counter()
    try:
        out = subprocess.run(
            ["scram", str(path), "--bdd", "--probability", "1"],
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"status": f"timeout>{limit:.0f}s"}
    wall = time.perf_counter() - started
    p = re.search(r'<sum-of-products[^>]*probability="([^"]+)"', out.stdout)
    n = re.search(r'<sum-of-products[^>]*products="([^"]+)"', out.stdout)
    if out.returncode != 0 or p is None:
        return {"status": "error", "wall": wall}
    return {
        "status": "ok",
        "p": float(p.group(1)),
        "mcs": int(n.group(1)) if n else None,
        "wall": wall,
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
        f"{'SCRAM P ok':10s} {'P (ours)':>14s} {'MCS (ours)':>11s} notes"
    )
    total_ours = total_scram = 0.0
    for row in rows:
        name = Path(row["file"]).stem
        if only and name not in only:
            continue
        path = expected.parent / row["file"]
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
        mb = f"{float(str(ours['mb'])):6.0f}" if ours["status"] == "ok" else f"{'-':>6s}"
        p_txt = f"{float(str(ours['p'])):14.9g}" if ours["status"] == "ok" else f"{'-':>14s}"
        m_txt = f"{ours['mcs']!s:>11s}" if ours["status"] == "ok" else f"{'-':>11s}"
        notes = "" if ours["status"] == "ok" else f"ours: {ours['status']} "
        notes += "" if scram["status"] == "ok" else f"scram: {scram['status']}"
        print(
            f"{name:10s} {p_ok:5s} {mcs_ok:7s} {ours_s} {mb} {scram_s} {scram_ok:10s} "
            f"{p_txt} {m_txt} {notes}",
            flush=True,
        )
    if total_scram:
        print(
            f"total on trees both finished: ours {total_ours:.1f} s, SCRAM {total_scram:.1f} s, "
            f"ratio {total_ours / total_scram:.2f}"
        )
    print(f"(bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} kB)")


if __name__ == "__main__":
    main()
