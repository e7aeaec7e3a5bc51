"""What a campaign prints and writes: the progress line, the failure traces and the
``pumpsafe.fuzz/1`` result.

Result schema::

    {"schema": "pumpsafe.fuzz/1",
     "device": {"name", "path", "sha256"},
     "budget": {"seconds", "examples"}, "workers", "seed", "assumptions_dropped": [...],
     "elapsed_s", "interrupted": bool (Ctrl-C), "examples", "steps", "steps_per_s",
     "skipped_steps" (drawn steps whose rule was not enabled),
     "coverage": {"rules": {rule: steps}, "alarms": {alarm: steps that raised it},
                  "rules_reached": "k/n", "alarms_reached": "k/n"},
     "permission_sets": [{"permitted": [fault, ...], "requirements": [ID, ...]}],
     "failures": [{"requirement", "trace" (path), "steps", "shrunk",
                   "found_after_s", "reported_after_s"}]}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pumpsafe.clitools import write_output
from pumpsafe.fuzzing.campaign import CampaignConfig, Failure, Progress
from pumpsafe.fuzzing.machine import MachineSpec
from pumpsafe.model.device import Device
from pumpsafe.model.errors import InputError
from pumpsafe.model.rules import build_model
from pumpsafe.model.state import ALARMS

FUZZ_SCHEMA = "pumpsafe.fuzz/1"


def progress_line(p: Progress, rule_count: int) -> str:
    """One line: examples, steps/s, rules and alarms reached, failures so far."""
    t = p.totals
    rate = t.steps / p.elapsed_s if p.elapsed_s > 0 else 0.0
    seen = sorted(set(p.first_seen_s) | set(p.failures))
    return (f"pumpsafe fuzz: {p.elapsed_s:6.1f}s  examples {t.examples}  steps {t.steps} "
            f"({rate:.0f}/s)  rules {len(t.rules)}/{rule_count}  alarms "
            f"{len(t.alarms)}/{len(ALARMS)}  failures {len(seen)}"
            + (f" ({', '.join(seen)})" if seen else ""))


def write_traces(device: Device, failures: dict[str, Failure], out_dir: str) -> dict[str, str]:
    """Write every failure's trace to ``out_dir`` (created if missing); path by requirement."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("--out", out_dir, "is a file, not a folder", "give a folder")
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for req, f in sorted(failures.items()):
        path = str(out / f"{device.name}-{req}.json")
        write_output(path, f.trace_json)
        paths[req] = path
    return paths


def result_json(cfg: CampaignConfig, device: Device, specs: tuple[MachineSpec, ...],
                p: Progress, paths: dict[str, str]) -> str:
    """The ``pumpsafe.fuzz/1`` document (strict JSON, fixed key order)."""
    t = p.totals
    rules = [r.name for r in build_model(device).rules]
    doc: dict[str, Any] = {
        "schema": FUZZ_SCHEMA,
        "device": {"name": device.name, "path": device.path, "sha256": device.sha256},
        "budget": {"seconds": cfg.seconds, "examples": cfg.examples},
        "workers": cfg.workers, "seed": cfg.seed, "assumptions_dropped": list(cfg.dropped),
        "elapsed_s": round(p.elapsed_s, 2), "interrupted": p.interrupted,
        "examples": t.examples, "steps": t.steps,
        "steps_per_s": round(t.steps / p.elapsed_s, 1) if p.elapsed_s > 0 else 0.0,
        "skipped_steps": sum(t.skipped.values()),
        "coverage": _coverage(rules, p),
        "permission_sets": [{"permitted": list(s.permissions.permitted()),
                             "requirements": [r.id for r in s.requirements]} for s in specs],
        "failures": [_failure(f, paths[req]) for req, f in sorted(p.failures.items())],
    }
    return json.dumps(doc, indent=1, allow_nan=False) + "\n"


def _coverage(rules: list[str], p: Progress) -> dict[str, Any]:
    t = p.totals
    return {"rules": {r: t.rules.get(r, 0) for r in rules},
            "alarms": {a: t.alarms.get(a, 0) for a in ALARMS},
            "rules_reached": f"{sum(1 for r in rules if t.rules.get(r))}/{len(rules)}",
            "alarms_reached": f"{sum(1 for a in ALARMS if t.alarms.get(a))}/{len(ALARMS)}"}


def _failure(f: Failure, path: str) -> dict[str, Any]:
    return {"requirement": f.requirement, "trace": path, "steps": f.steps, "shrunk": f.shrunk,
            "found_after_s": round(f.found_after_s, 2),
            "reported_after_s": round(f.reported_after_s, 2)}


def summary(device: Device, p: Progress, paths: dict[str, str]) -> str:
    """The human summary: totals, then one line per failure."""
    lines = [f"device: {device.name} ({device.path})",
             f"{p.totals.examples} examples, {p.totals.steps} steps in {p.elapsed_s:.1f} s"
             + (" (interrupted)" if p.interrupted else "")]
    for req, f in sorted(p.failures.items()):
        lines.append(f"FAILED {req}: {f.steps}-step trace {paths[req]} (found after "
                     f"{f.found_after_s:.1f} s{'' if f.shrunk else ', not fully shrunk'})")
    if not p.failures:
        lines.append("no requirement failed")
    return "\n".join(lines)
