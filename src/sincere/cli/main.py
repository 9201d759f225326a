"""The `sincere` entry point: every command registers (by importing its module), then the app runs
behind the error boundary: user errors are one line on stderr and exit code 2."""

from __future__ import annotations

import os
import sqlite3
import sys

import typer
from rich.markup import escape

from sincere.cli import audit, data, generate, grade, models, train, vectors, watch  # noqa: F401  (they register)
from sincere.cli.app import app, err, storage_error
from sincere.errors import SincereError


def main() -> None:
    """Entry point: run the app; user errors become one line on stderr and exit code 2."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
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
