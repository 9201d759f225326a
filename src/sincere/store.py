"""SQLite files that several processes share safely: WAL journal, a busy timeout, usable from any thread."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sincere.errors import SincereError


def connect(path: Path, schema: str, what: str) -> sqlite3.Connection:
    """Open (or create) the file with its table; a file that is not a usable database is a one-line error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(schema)
        db.commit()
    except sqlite3.DatabaseError as exc:
        raise SincereError(f"{what} {path} is unusable: {exc}") from exc
    return db
