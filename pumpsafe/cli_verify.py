"""``pumpsafe verify``: prove or refute every requirement; exit 0 / 1 / 3 / 2."""

from __future__ import annotations

import sys

import click

from pumpsafe.clitools import fail_on_input_error, write_output
from pumpsafe.model.device import load_device
from pumpsafe.model.errors import InputError
from pumpsafe.proofs.checks import ENGINES
from pumpsafe.proofs.verify import EncodingMismatch, Options, Verdict, verify


@click.command(name="verify")
@click.option("--device", "device_path", type=click.Path(dir_okay=False), default=None,
              help="Device TOML file (default: the built-in reference device).")
@click.option("--engine", type=click.Choice(ENGINES), default="spacer", show_default=True,
              help="spacer: unbounded proofs (BMC gives the trace of a refutation); "
              "bmc: counterexamples only; kind: k-induction.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(0.1, 86_400), default=60.0,
              show_default=True, help="Time limit per query, in seconds.")
@click.option("--depth", type=click.IntRange(1, 200), default=12, show_default=True,
              help="Largest number of steps BMC and k-induction unroll.")
@click.option("--only", multiple=True, metavar="ID", help="Check only this requirement "
              "(repeatable).")
@click.option("--json", "json_out", default=None, help="Write JSON to FILE, or '-' for stdout.")
@click.option("--junit", "junit_out", default=None, help="Write JUnit XML to FILE.")
@click.option("-j", "workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Check requirements in N processes.")
@click.option("--no-sanity", is_flag=True, help="Skip the rule and alarm reachability check.")
@fail_on_input_error("verify")
def verify_command(device_path: str | None, engine: str, timeout_s: float, depth: int,
                   only: tuple[str, ...], json_out: str | None, junit_out: str | None,
                   workers: int, no_sanity: bool) -> None:
    """Prove or refute every safety requirement on the device.

    Exit 0 when every requirement is proved and none is vacuous, 1 when any is violated or
    vacuous, 3 when none is violated but some are unknown, 2 for bad input.
    """
    from pumpsafe.reports.verify_output import report_json, report_junit

    device = load_device(device_path)
    opts = Options(engine, timeout_s, depth, workers, only, not no_sanity)

    def progress(v: Verdict, done: int, total: int) -> None:
        extra = f"  {v.reason}" if v.reason else ""
        click.echo(f"[{done:>2}/{total}] {v.requirement.id:<9} {v.verdict:<9} {v.engine:<11}"
                   f"{v.time_s:7.2f}s{extra}", err=True)

    try:
        report = verify(device, opts, progress)
    except KeyError as e:
        raise InputError("--only", "", f"unknown requirement ID {e.args[0]}",
                         "see the catalogue in proofs/requirements.py") from None
    except EncodingMismatch as e:
        click.echo(f"pumpsafe verify: ENCODING MISMATCH (the Z3 encoding and the interpreter "
                   f"disagree; no verdict can be trusted): {e}", err=True)
        sys.exit(4)
    if json_out:
        write_output(json_out, report_json(report))
    if junit_out:
        write_output(junit_out, report_junit(report))
    counts = report.counts()
    missing, disabled = report.unreached(), report.sanity_disabled
    click.echo("summary: " + ", ".join(f"{n} {c}" for n, c in counts.items())
               + (f"; sanity: {report.sanity_status}" if report.sanity_status != "done" else "")
               + (f"; not reached within depth {depth}: {', '.join(missing)}" if missing else "")
               + (f"; ruled out on this device by its controls: {', '.join(disabled)}"
                  if disabled else ""),
               err=json_out == "-")
    sys.exit(report.exit_code())
