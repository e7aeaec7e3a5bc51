"""Time ``pumpsafe verify`` on a device: per-requirement time and verdict, and the total.

Usage: python bench/verify.py [--device FILE] [-j N] [--timeout S]
Target (issue 4): the whole catalogue on the reference device in <= 30 s wall with -j 2.
"""

from __future__ import annotations

import argparse
import time

from pumpsafe.model.device import load_device
from pumpsafe.proofs.verify import Options, verify


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)  # a bench script, not the product CLI
    ap.add_argument("--device", default=None)
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    start = time.monotonic()
    report = verify(load_device(args.device), Options(timeout_s=args.timeout, workers=args.j))
    wall = time.monotonic() - start
    print(f"{'requirement':<11} {'verdict':<9} {'engine':<11} {'time_s':>7}")
    for v in sorted(report.verdicts, key=lambda v: -v.time_s):
        print(f"{v.requirement.id:<11} {v.verdict:<9} {v.engine:<11} {v.time_s:7.2f}")
    busy = sum(v.time_s for v in report.verdicts)
    print(f"total wall {wall:.1f} s with -j {args.j} (sum of job times {busy:.1f} s); "
          f"sanity {report.sanity_status}; {report.counts()}")


if __name__ == "__main__":
    main()
