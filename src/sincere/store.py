"""SQLite files that several processes share safely: WAL journal, a busy timeout, usable from any thread."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from sincere import paths
from sincere.errors import SincereError

BUSY_SECONDS = 60  # how long a statement waits for another process's lock


def connect(path: Path, schema: str, what: str) -> sqlite3.Connection:
    """Open (or create) the file with its table; a file that is not a usable database is a one-line error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=BUSY_SECONDS, check_same_thread=False)
        _set_up(db, schema)
    except sqlite3.DatabaseError as exc:
        raise SincereError(f"{what} {path} is unusable: {exc}") from exc
    return db


def _set_up(db: sqlite3.Connection, schema: str) -> None:
    """WAL journal and the table. Switching a new file to WAL can say "locked" at once, without
    waiting, while another process creates the same file: such a try is repeated for up to
    `BUSY_SECONDS`, as long as any other statement waits for a lock."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(schema)
            db.commit()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            db.rollback()
            time.sleep(0.05)


class Table:
    """A table of rows keyed by a hash, in a SQLite file that processes and threads share.

    Subclasses name their `SCHEMA` and what they are (`WHAT`, for errors); by default they live in
    the generation cache's file (`$SINCERE_CACHE`, else `~/.cache/sincere/generations.sqlite`).
    """

    SCHEMA = ""
    WHAT = "cache"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = connect(self.path, self.SCHEMA, self.WHAT)
        self._lock = threading.Lock()

    @classmethod
    def default(cls) -> Self:
        """The table in the user-wide cache file."""
        return cls(paths.generation_cache())

    def query(self, select: str, args: Sequence[Any] = ()) -> list[Any]:
        """The rows a query finds."""
        with self._lock:
            return self._db.execute(select, args).fetchall()

    def rows(self, select: str, keys: Sequence[str]) -> list[Any]:
        """The rows a query finds for some keys (`select` holds `{marks}` where the keys go), 500 keys a query."""
        unique = list(dict.fromkeys(keys))
        out: list[Any] = []
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            out += self.query(select.format(marks=",".join("?" * len(chunk))), chunk)
        return out

    def write(self, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Run one statement for each row and commit them together."""
        with self._lock:
            self._db.executemany(statement, rows)
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
