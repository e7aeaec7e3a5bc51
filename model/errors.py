"""Errors raised for bad input and for misuse of the model's term language.

Every user-facing error names the file, the field and the fix, so the CLI can print it as one
clear message and exit 2 instead of showing a traceback.
"""

from __future__ import annotations


class PumpsafeError(Exception):
    """Base class of every error pumpsafe raises on purpose."""


class InputError(PumpsafeError):
    """Bad user input: a file that is missing, malformed or violates a rule.

    ``source`` is the file (or ``-`` for standard input), ``field`` the offending key or element
    (dotted path, may be empty) and ``fix`` says what is allowed.
    """

    def __init__(self, source: str, field: str, problem: str, fix: str = "") -> None:
        self.source = source
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(self.message())

    def message(self) -> str:
        where = f"{self.source}: {self.field}: " if self.field else f"{self.source}: "
        return where + self.problem + (f" ({self.fix})" if self.fix else "")


class TermError(PumpsafeError):
    """A model term was used in a way that would silently give a wrong answer."""


class UnhashableTermError(TermError, TypeError):
    """A model term was hashed (``x in {...}``); a TypeError too, as Python expects."""
