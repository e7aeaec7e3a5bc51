"""The ``pumpsafe`` command line: one click group, one sub-command per job.

Every sub-command turns a :class:`~pumpsafe.model.errors.InputError` into one clear line on
standard error and exit code 2; no traceback reaches the user for bad input.
"""

from __future__ import annotations

import importlib

import click

from pumpsafe import __version__

COMMANDS = {
    "simulate": ("pumpsafe.cli_model", "simulate"),
    "replay": ("pumpsafe.cli_model", "replay"),
    "fta": ("pumpsafe.cli_fta", "fta"),
    "verify": ("pumpsafe.cli_verify", "verify_command"),
    "fuzz": ("pumpsafe.cli_fuzz", "fuzz"),
    "report": ("pumpsafe.cli_report", "report_command"),
    "hazards": ("pumpsafe.cli_hazards", "hazards_command"),
}
"""Sub-command name -> (module, attribute). A sub-command's module is imported only when it
runs (or for ``--help``): ``pumpsafe fta`` does not import Z3 or Hypothesis (0.3 s)."""


class _LazyGroup(click.Group):
    """A click group that imports each sub-command of :data:`COMMANDS` on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            found = getattr(importlib.import_module(module), attribute)
            assert isinstance(found, click.Command)
            self.add_command(found, cmd_name)
        return found


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pumpsafe")
def cli() -> None:
    """Safety verification and hazard analysis for implanted intrathecal baclofen pumps."""


def _register_commands() -> None:
    """Import and register every sub-command now (tests that walk them all)."""
    for name in COMMANDS:
        cli.get_command(click.Context(cli), name)


def main() -> None:
    """Entry point of the console script; exit 2 on usage errors (click's convention)."""
    cli.main(standalone_mode=True)
