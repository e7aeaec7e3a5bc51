"""Where the report's numbers come from: input files (display path, sha256), tool versions, the
device's parameters with their sources, and the assumptions (``A-`` sources) the device uses.

Paths are shown as given when relative; an absolute path is shown by its file name only, so a
report does not change with the folder it was made in.
"""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import z3
from pumpsafe.model.device import SPECS, Device, assumption_ids

from pumpsafe import __version__

TOOLS = ("pumpsafe", "z3", "dd", "networkx", "hypothesis", "jinja2", "weasyprint", "python")


def display_path(path: str | Path) -> str:
    """``path`` as shown in a report: relative as given, absolute reduced to the file name."""
    p = Path(path)
    return p.name if p.is_absolute() else p.as_posix()


def sha256_file(path: str | Path) -> str:
    """The sha256 of the file's bytes, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def tool_versions() -> dict[str, str]:
    """Versions of pumpsafe, the solvers and libraries it relies on, and Python."""
    found = {
        "pumpsafe": __version__,
        "z3": z3.get_version_string(),
        "dd": _version("dd"),
        "networkx": _version("networkx"),
        "hypothesis": _version("hypothesis"),
        "jinja2": _version("jinja2"),
        "weasyprint": _version("weasyprint"),
        "python": platform.python_version(),
    }
    return {name: found[name] for name in TOOLS}


def device_path(device: Device) -> str:
    """The device file as shown in a report (the built-in device keeps its ``(built-in)`` tag)."""
    return device.path if device.path.endswith("(built-in)") else display_path(device.path)


def device_parameters(device: Device) -> list[dict[str, Any]]:
    """One row per parameter: dotted key, value (or ``{"min", "max"}``), source, meaning."""
    rows = []
    for key, p in sorted(device.params.items()):
        section, _, name = key.partition(".")
        spec = SPECS.get(section, {}).get(name)
        value: Any = {"min": p.lo, "max": p.hi} if p.is_range else p.value
        rows.append({"key": key, "value": list(value) if isinstance(value, tuple) else value,
                     "source": p.source, "meaning": spec.doc if spec else ""})
    return rows


def assumptions(device: Device) -> list[str]:
    """The ``A-`` rows of the domain brief that the device's numbers rest on, sorted."""
    return assumption_ids(p.source for p in device.params.values())
