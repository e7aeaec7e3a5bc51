"""The ``pumpsafe`` command line: one click group, one sub-command per job.

Every sub-command turns a :class:`~pumpsafe.model.errors.InputError` into one clear line on
standard error and exit code 2; no traceback reaches the user for bad input.
"""

from __future__ import annotations

import click

from pumpsafe import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pumpsafe")
def cli() -> None:
    """Safety verification and hazard analysis for implanted intrathecal baclofen pumps."""


def _register_commands() -> None:
    from pumpsafe import cli_model

    cli.add_command(cli_model.simulate)
    cli.add_command(cli_model.replay)
    from pumpsafe import cli_fta
    cli.add_command(cli_fta.fta)
    from pumpsafe import cli_verify
    cli.add_command(cli_verify.verify_command)
    from pumpsafe import cli_fuzz
    cli.add_command(cli_fuzz.fuzz)
    from pumpsafe import cli_report
    cli.add_command(cli_report.report_command)
    from pumpsafe import cli_hazards
    cli.add_command(cli_hazards.hazards_command)
    # Sub-commands added by later work register here, one line each.


def main() -> None:
    """Entry point of the console script; exit 2 on usage errors (click's convention)."""
    _register_commands()
    cli.main(standalone_mode=True)
