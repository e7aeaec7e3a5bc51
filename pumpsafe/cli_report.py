"""``pumpsafe report``: verify, analyse and write the report folder; exit 0 / 1 / 3 / 2 as verify.

Progress goes to standard error; the folder and the files written go to standard output.
"""

from __future__ import annotations

import sys

import click

from pumpsafe.clitools import fail_on_input_error
from pumpsafe.proofs.checks import ENGINES
from pumpsafe.proofs.verify import EncodingMismatch, Options, Verdict

_MEANING = {0: "every requirement proved", 1: "some requirement violated or vacuous",
            3: "no violation, but some requirement unknown"}


@click.command(name="report")
@click.option("--device", "device_path", type=click.Path(dir_okay=False), default=None,
              help="Device TOML file (default: the built-in reference device).")
@click.option("--out", "out_dir", default="pumpsafe-report", show_default=True,
              help="Folder to write the report into (created if missing).")
@click.option("--format", "formats", default="html,pdf,md,json,junit,mef", show_default=True,
              help="Comma-separated formats: html, pdf, md, json, junit, mef.")
@click.option("--register", default=None, help="Hazard register (default: the built-in one).")
@click.option("--trees", "trees_dir", default=None,
              help="Folder of Open-PSA MEF fault trees (default: the built-in trees).")
@click.option("--engine", type=click.Choice(ENGINES), default="spacer", show_default=True,
              help="Verification engine (as verify).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(0.1, 86_400), default=60.0,
              show_default=True, help="Time limit per query, in seconds.")
@click.option("--depth", type=click.IntRange(1, 200), default=12, show_default=True,
              help="Largest number of steps BMC and k-induction unroll.")
@click.option("--only", multiple=True, metavar="ID",
              help="Check only this requirement (repeatable).")
@click.option("-j", "workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Check requirements in N processes.")
@click.option("--no-sanity", is_flag=True, help="Skip the rule and alarm reachability check.")
@fail_on_input_error("report")
def report_command(device_path: str | None, out_dir: str, formats: str, register: str | None,
                   trees_dir: str | None, engine: str, timeout_s: float, depth: int,
                   only: tuple[str, ...], workers: int, no_sanity: bool) -> None:
    """Verify the device, analyse its hazards and fault trees, and write the report.

    Writes report.html, report.pdf, summary.md, report.json, junit.xml, model.xml and
    timings.json into the --out folder. Exit 0 when every requirement is proved, 1 when any is
    violated or vacuous, 3 when some are unknown, 2 for bad input.
    """
    from pumpsafe.reports.build import ReportRequest, parse_formats, run_report
    from pumpsafe.reports.pdf import PdfUnavailable

    def progress(v: Verdict, done: int, total: int) -> None:
        extra = f"  {v.reason}" if v.reason else ""
        click.echo(f"[{done:>2}/{total}] {v.requirement.id:<9} {v.verdict:<9} {v.engine:<11}"
                   f"{v.time_s:7.2f}s{extra}", err=True)

    request = ReportRequest(out_dir, device_path, parse_formats(formats), register, trees_dir,
                            Options(engine, timeout_s, depth, workers, only, not no_sanity))
    try:
        run = run_report(request, progress)
    except EncodingMismatch as e:
        click.echo(f"pumpsafe report: ENCODING MISMATCH (the Z3 encoding and the interpreter "
                   f"disagree; no verdict can be trusted): {e}", err=True)
        sys.exit(4)
    except PdfUnavailable as e:
        click.echo(f"pumpsafe report: error: {e}", err=True)
        sys.exit(2)
    names = ", ".join(p.name for p in run.written)
    click.echo(f"report written to {out_dir.rstrip('/')}/ ({names})")
    click.echo(f"exit {run.exit_code}: {_MEANING.get(run.exit_code, '')}; "
               f"{run.timings.get('verify_s')} s verifying, times in timings.json", err=True)
    sys.exit(run.exit_code)
