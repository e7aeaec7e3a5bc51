"""``pumpsafe fta``: analyse Open-PSA MEF fault trees (exact probability, cut sets, importance).

Exit 0 on success, 2 on bad input or usage. The human summary goes to standard output, or to
standard error when ``--json -`` takes standard output.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from pumpsafe.hazards.analysis import FtaOptions, FtaResult, analyze
from pumpsafe.hazards.fta_json import summary, to_json
from pumpsafe.hazards.mef_reader import read_mef
from pumpsafe.hazards.tree import DEFAULT_MISSION_TIME_H
from pumpsafe.model.errors import InputError


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".fta-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


def _details(result: FtaResult) -> str:
    lines: list[str] = []
    if result.cut_sets.sets is not None:
        lines.append(f"{result.cut_sets.kind}:")
        lines.extend("  {" + ", ".join(s) + "}" for s in result.cut_sets.sets)
        if result.cut_sets.sets_truncated:
            lines.append("  ... (list cut at --limit)")
    if result.importance is not None:
        lines.append(f"{'event':20s} {'birnbaum':>12s} {'FV':>12s} {'crit':>12s} RAW RRW")
        for name, m in result.importance.items():
            values = [m.birnbaum, m.fussell_vesely, m.criticality, m.raw, m.rrw]
            lines.append(f"{name:20s} " + " ".join(_number(v) for v in values))
    return "".join(line + "\n" for line in lines)


def _number(value: float | None) -> str:
    return f"{value:12.6g}" if value is not None else f"{'-':>12s}"


@click.command("fta")
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--top", default=None, help="Top gate (default: the only gate no gate uses).")
@click.option("--json", "json_out", default=None, help="Write pumpsafe.fta/1 JSON ('-': stdout).")
@click.option("--cut-sets", is_flag=True, help="List the minimal cut sets (prime implicants).")
@click.option("--max-order", type=click.IntRange(min=0), default=None, help="Drop larger sets.")
@click.option(
    "--cutoff", type=click.FloatRange(0.0, 1.0), default=None, help="Drop sets with P < cutoff."
)
@click.option("--importance", is_flag=True, help="Importance measures of every basic event.")
@click.option(
    "--mission-time",
    type=click.FloatRange(min=0.0),
    default=DEFAULT_MISSION_TIME_H,
    show_default=True,
    help="System mission time in hours (exponential events).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="At most this many listed sets.",
)
def fta(
    models: tuple[Path, ...],
    top: str | None,
    json_out: str | None,
    cut_sets: bool,
    max_order: int | None,
    cutoff: float | None,
    importance: bool,
    mission_time: float,
    limit: int,
) -> None:
    """Analyse the fault tree in the Open-PSA MEF file(s) MODELS."""
    options = FtaOptions(
        top=top,
        mission_time_h=mission_time,
        max_order=max_order,
        cutoff=cutoff,
        list_sets=cut_sets,
        list_limit=limit,
        importance=importance,
    )
    try:
        tree = read_mef(models)
        result = analyze(tree, options, source=", ".join(str(m) for m in models))
    except InputError as error:
        click.echo(f"pumpsafe fta: error: {error.message()}", err=True)
        sys.exit(2)
    human = summary(result) + _details(result)
    if json_out == "-":
        click.echo(to_json(result), nl=False)
        click.echo(human, nl=False, err=True)
        return
    if json_out is not None:
        _write_atomically(json_out, to_json(result))
    click.echo(human, nl=False)
