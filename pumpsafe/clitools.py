"""Shared CLI plumbing: one clear line and exit 2 for bad input; atomic output files."""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from pumpsafe.model.errors import InputError

P = ParamSpec("P")
R = TypeVar("R")


def fail_on_input_error(command: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn an :class:`InputError` into ``pumpsafe COMMAND: error: ...`` on stderr, exit 2."""

    def wrap(f: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(f)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return f(*args, **kwargs)
            except InputError as e:
                click.echo(f"pumpsafe {command}: error: {e.message()}", err=True)
                sys.exit(2)

        return inner

    return wrap


def write_output(target: str, text: str) -> None:
    """Write ``text`` to standard output (``-``) or atomically to a file (temp, then rename)."""
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(target)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(target, "", "its folder does not exist", "create the folder first")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
