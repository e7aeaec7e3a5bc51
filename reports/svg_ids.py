"""Stable, unique SVG/HTML ids derived from names (no counters over time, no random ids).

``stable_ids`` sanitises every name to ``[A-Za-z0-9_-]`` and disambiguates collisions by a
numeric suffix assigned in sorted order of the original names, so a node's id depends only on the
set of names, never on the order they were drawn in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def sanitize(name: str) -> str:
    """``name`` reduced to letters, digits, ``_`` and ``-``; starts with a letter."""
    text = _UNSAFE.sub("_", name).strip("_") or "x"
    return text if text[0].isalpha() else "n" + text


def stable_ids(names: Iterable[str], prefix: str) -> dict[str, str]:
    """A unique id ``prefix-<sanitised name>[-k]`` for every name (collisions get ``-2``, ...)."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in sorted(set(names)):
        base = f"{prefix}-{sanitize(name)}"
        candidate, k = base, 2
        while candidate in used:
            candidate, k = f"{base}-{k}", k + 1
        used.add(candidate)
        ids[name] = candidate
    return ids
