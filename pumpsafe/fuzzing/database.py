"""The example database a campaign's workers share: a directory, or Redis for ``redis://``."""

from __future__ import annotations

import importlib
from pathlib import Path

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from pumpsafe.model.errors import InputError

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def open_database(where: str) -> ExampleDatabase:
    """The database at ``where`` (a directory, created when missing, or a Redis URL).

    Raises :class:`InputError` for a path that is a file, or a Redis URL without the ``redis``
    package installed."""
    if where.startswith(REDIS_SCHEMES):
        return _redis(where)
    path = Path(where)
    if path.exists() and not path.is_dir():
        raise InputError("--db", where, "is a file, not a folder",
                         "give a folder for the example database, or a redis:// URL")
    return DirectoryBasedExampleDatabase(path)


def _redis(url: str) -> ExampleDatabase:
    try:  # an optional dependency, imported only when asked for (and untyped here)
        redis = importlib.import_module("redis")
        from hypothesis.extra.redis import RedisExampleDatabase
    except ImportError:
        raise InputError("--db", url, "a Redis database needs the redis package, which is not "
                         "installed", "pip install redis, or give a folder") from None
    try:
        client = redis.Redis.from_url(url)
    except ValueError as e:
        raise InputError("--db", url, f"not a Redis URL: {e}") from None
    return RedisExampleDatabase(client)
