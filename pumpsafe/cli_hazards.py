"""``pumpsafe hazards``: the risk file with live evidence; exit 0, 1 (a pump-enforced control not
proved), 2 (bad input)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from pumpsafe.clitools import fail_on_input_error, write_output
from pumpsafe.model.device import load_device
from pumpsafe.proofs.cutsets import CutSetOptions
from pumpsafe.proofs.verify import Options, verify


@click.command(name="hazards")
@click.option("--device", "device_path", type=click.Path(dir_okay=False), default=None,
              help="Device TOML file (default: the built-in reference device).")
@click.option("--register", "register_path", type=click.Path(dir_okay=False), default=None,
              help="Hazard register TOML (default: the built-in register).")
@click.option("--trees", "trees_dir", type=click.Path(file_okay=False), default=None,
              help="Folder of the authored MEF trees (default: beside the register).")
@click.option("--json", "json_out", default=None, help="Write JSON to FILE, or '-' for stdout.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(0.1, 86_400), default=120.0,
              show_default=True, help="Wall-clock safety net per solver query, in seconds "
              "(the cut-set search is budgeted by Z3's deterministic rlimit).")
@click.option("--max-order", type=click.IntRange(0, 13), default=3, show_default=True,
              help="Order the model-derived cut sets are judged complete to.")
@click.option("--no-derive", is_flag=True, help="Skip the model-derived cut sets.")
@click.option("-j", "workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Solver processes.")
@fail_on_input_error("hazards")
def hazards_command(device_path: str | None, register_path: str | None, trees_dir: str | None,
                    json_out: str | None, timeout_s: float, max_order: int, no_derive: bool,
                    workers: int) -> None:
    """The hazard register with proof verdicts joined in, the authored fault trees quantified,
    the cut sets derived from the model, and where the two disagree."""
    from pumpsafe.pipeline import prepare, risk_file

    device = load_device(device_path)
    inputs = prepare(device, register_path, trees_dir)  # bad input fails before any proof
    err = json_out == "-"
    click.echo("verifying the catalogue ...", err=True)
    report = verify(device, Options("spacer", min(timeout_s, 60.0), 12, workers, (), False))
    doc = risk_file(device, report, register_path, trees_dir,
                    CutSetOptions(max_order, timeout_s, 12, workers=workers), not no_derive,
                    progress=lambda m: click.echo(m, err=True), inputs=inputs)
    text = json.dumps(doc, indent=1, sort_keys=True, allow_nan=False) + "\n"
    if json_out:
        write_output(json_out, text)
    click.echo(summary(doc), err=err)
    sys.exit(doc["exit_code"])


def summary(doc: dict[str, Any]) -> str:
    """The human view: hazards with flags, trees with probabilities, disagreements."""
    lines = []
    for h in doc["hazards"]:
        mark = "FLAGGED" if h["flagged"] else "ok"
        lines.append(f"{h['id']:<8} {mark:<8} {h['severity']:<12} risk {h['before']['risk']} -> "
                     f"{h['after']['risk']}  {h['title']}"
                     + (f"  [{'; '.join(h['flags'])}]" if h["flags"] else ""))
    for t in doc["fault_trees"]:
        a = t["authored"]
        lines.append(f"tree {t['name']}: authored P = {a['probability']:.4g} "
                     f"({a['minimal_cut_sets']['count']} minimal cut sets)")
        d = t["derived"]
        if d is None:
            continue
        p = f"{d['fta']['probability']:.4g}" if d["fta"] else "0 (no fault combination)"
        lines.append(f"  model-derived: {len(d['cut_sets'])} cut sets, {d['status']}; P = {p}")
        for c in d["cut_sets"]:
            lines.append(f"    {{{', '.join(c['faults']) or 'no fault'}}} violates "
                         f"{c['requirement']}"
                         + ("" if c["minimal"] else " (minimality not proved)"))
        for v in d["fault_free_violations"]:
            lines.append(f"    {v['requirement']} is violated with no fault at all (a design "
                         "defect, left out of the tree)")
        for n in d["notes"]:
            lines.append(f"    note: {n}")
        dis = t["disagreement"]
        for m in dis["missing_from_authored"]:
            lines.append(f"  MISSING FROM AUTHORED TREE: {', '.join(m['basic_events'])}: "
                         f"{m['evidence']}")
        for m in dis["not_in_model"]:
            lines.append(f"  NOT IN MODEL: {', '.join(m['basic_events'])}: {m['evidence']}")
    return "\n".join(lines)
