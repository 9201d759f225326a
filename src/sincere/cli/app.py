"""The Typer app the commands register on, its consoles, and how storage errors are told."""

from __future__ import annotations

import errno
import logging
import sqlite3

import typer

from sincere import terminal

app = typer.Typer(
    name="sincere",
    help="Audit and train chat models to be warm and right.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = terminal.stdout
err = terminal.stderr


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens.")) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(terminal.VisibleFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


#: Errors of the storage rather than of sincere: reported in one line, the run resumable.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def storage_error(exc: BaseException) -> str | None:
    """A one-line message for a full, read-only or size-limited disk (None for other errors)."""
    if isinstance(exc, sqlite3.OperationalError):
        full = "full" in str(exc) or "disk I/O" in str(exc)
        return f"the generation cache cannot be written ({exc}); free some space and rerun" if full else None
    if not isinstance(exc, OSError) or exc.errno not in STORAGE_ERRNOS:
        return None
    where = f" writing {exc.filename}" if exc.filename else ""
    return f"{exc.strerror}{where}; free some space and rerun the same command (finished work is kept)"
