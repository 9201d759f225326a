"""Typer app, shared options and the error boundary (one-line errors, exit code 2)."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import sys

import typer
from rich.markup import escape

from sincere import terminal
from sincere.errors import SincereError

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


def _register() -> None:
    from sincere.cli import audit, data, generate, grade, models, train, vectors, watch  # noqa: F401  (commands register themselves)


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


def main() -> None:
    """Entry point: run the app; user errors become one line on stderr and exit code 2."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    _register()
    try:
        code = app(standalone_mode=False)
    except SincereError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted; rerun the same command to resume from the cache")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except (OSError, sqlite3.OperationalError) as exc:
        message = storage_error(exc)
        if message is None:
            raise
        err.print(f"[red]error:[/red] {escape(message)}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(2)
    except Exception as exc:
        if not hasattr(exc, "format_message"):  # typer's (vendored click) usage errors have it
            raise
        err.print(f"[red]error:[/red] {escape(exc.format_message())} (see --help)", markup=True, highlight=False,
                  soft_wrap=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
