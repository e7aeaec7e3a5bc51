"""``pumpsafe fuzz``: a property-based fuzzing campaign on the concrete model."""

from __future__ import annotations

import os
import sys

import click

from pumpsafe.clitools import fail_on_input_error, write_output
from pumpsafe.fuzzing.profiles import DEFAULT_DB_DIR


@click.command()
@click.option("--device", "device_path", type=click.Path(dir_okay=False), default=None,
              help="Device TOML file (default: the built-in reference device).")
@click.option("--minutes", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Run this long (default 1 minute unless --examples is given).")
@click.option("--examples", type=click.IntRange(min=1), default=None,
              help="Run this many test cases in all, instead of a time budget.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes (default: the number of CPUs).")
@click.option("--db", default=DEFAULT_DB_DIR, show_default=True,
              help="Shared example database: a folder, or a redis:// URL.")
@click.option("--seed", type=int, default=None, help="Seed for the workers' random choices.")
@click.option("--only", multiple=True, metavar="ID",
              help="Check only this requirement (repeatable).")
@click.option("--drop-assumption", "dropped", multiple=True, metavar="FAULT",
              help="Do not assume this fault absent for any requirement (repeatable), as the "
                   "cut-set analysis does.")
@click.option("--json", "json_out", default=None, metavar="FILE|-",
              help="Write the pumpsafe.fuzz/1 result to FILE, or to standard output with '-'.")
@click.option("--out", "out_dir", default="pumpsafe-fuzz", show_default=True,
              help="Folder for the traces of failures.")
@fail_on_input_error("fuzz")
def fuzz(device_path: str | None, minutes: float | None, examples: int | None,
         workers: int | None, db: str, seed: int | None, only: tuple[str, ...],
         dropped: tuple[str, ...], json_out: str | None, out_dir: str) -> None:
    """Fuzz the model with the generated Hypothesis state machine: exit 0 when no requirement
    failed, 1 when one did (its shrunk trace is written under --out), 2 for bad input."""
    from pumpsafe.fuzzing.campaign import CampaignConfig, prepare, run_campaign
    from pumpsafe.fuzzing.report import progress_line, result_json, summary, write_traces
    from pumpsafe.model.rules import build_model

    if minutes is not None and examples is not None:
        raise click.UsageError("give --minutes or --examples, not both")
    seconds = None if examples is not None else 60.0 * (minutes or 1.0)
    cfg = CampaignConfig(device_path, workers or os.cpu_count() or 1, db, seconds, examples,
                         seed, only, dropped)
    device, specs = prepare(cfg)
    rule_count = len(build_model(device).rules)
    progress = run_campaign(cfg, lambda p: click.echo(progress_line(p, rule_count), err=True))
    click.echo(progress_line(progress, rule_count), err=True)
    paths = write_traces(device, progress.failures, out_dir)
    if json_out:
        write_output(json_out, result_json(cfg, device, specs, progress, paths))
    click.echo(summary(device, progress, paths), err=json_out == "-")
    sys.exit(1 if progress.failures else 0)

