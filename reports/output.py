"""Write a report's files into its folder all at once, never half-written.

Every file is first written into a fresh temporary folder beside the target (same file system),
then each is moved into place with :func:`os.replace` (atomic per file). If producing or writing
any file fails, nothing reaches the target folder and the temporary folder is removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from pumpsafe.model.errors import InputError

Content = str | bytes


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output path that is a file, or whose parent folder does not exist."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(str(out_dir), "--out", "exists and is not a folder",
                         "give a folder name (it is created if missing)")
    if not out_dir.parent.is_dir() and str(out_dir.parent):
        raise InputError(str(out_dir), "--out", "its parent folder does not exist",
                         "create the parent folder first")


def write_report(out_dir: str | Path, producers: Mapping[str, Callable[[], Content]]) -> list[Path]:
    """Produce every file (name → function giving its content), then move them into
    ``out_dir``; returns the written paths in name order."""
    target = Path(out_dir)
    check_out_dir(target)
    target.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name in sorted(producers):
            content = producers[name]()
            data = content.encode("utf-8") if isinstance(content, str) else content
            (staging / name).write_bytes(data)
        written = []
        for name in sorted(producers):
            os.replace(staging / name, target / name)
            written.append(target / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
