"""Progress of long work on stderr (stdout stays clean for results): a bar in a terminal, plain lines elsewhere.

When stderr is not a terminal (CI, nohup, a notebook, a log file), each phase prints a line when
it starts, one every `INTERVAL` seconds with its count and elapsed time, and one when it ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sincere import terminal

console = terminal.stderr
#: Seconds between progress lines when stderr is not a terminal.
INTERVAL = 30.0
#: Notes shown beside the progress (e.g. an engine's retries and requests in flight), by key.
_notes: dict[str, str] = {}
_shown: list[Callable[[], None]] = []


def note(key: str, text: str | None) -> None:
    """Show `key text` beside the running progress (None: remove it); e.g. `note("retries", "3")`."""
    if text is None:
        _notes.pop(key, None)
    else:
        _notes[key] = text
    for show in list(_shown):
        show()


def notes() -> str:
    """The notes as one text, e.g. `retries 3, in flight at most 2` ('' when none)."""
    return ", ".join(f"{key} {text}" for key, text in _notes.items())


@contextmanager
def task(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """Progress of one phase; yields `advance(n)`. A bar in a terminal, plain lines otherwise."""
    if not console.is_terminal:
        with lines(description, total) as advance:
            yield advance
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[notes]}"),
        console=console,
        transient=False,
    ) as bar:
        handle = bar.add_task(description, total=total, notes=notes())

        def show() -> None:
            bar.update(handle, notes=notes())

        _shown.append(show)
        try:
            yield lambda n=1: bar.advance(handle, n)
        finally:
            _shown.remove(show)
            _notes.clear()  # notes belong to the phase that raised them


@contextmanager
def lines(description: str, total: int | None, interval: float = INTERVAL,
          clock: Callable[[], float] = time.monotonic) -> Iterator[Callable[[int], None]]:
    """Plain progress lines: at the start, every `interval` seconds of work, and at the end."""
    started = last = clock()
    done = 0

    def say(text: str) -> None:
        noted = notes()
        console.print(f"{description}: {text}" + (f" ({noted})" if noted else ""), markup=False, highlight=False,
                      soft_wrap=True)

    def count() -> str:
        return f"{done}/{total} ({100 * done / total:.0f}%)" if total else str(done)

    def advance(n: int = 1) -> None:
        nonlocal done, last
        done += n
        now = clock()
        if now - last >= interval:
            last = now
            say(f"{count()} after {now - started:.0f} s")

    def noted() -> None:
        say(f"{count()} after {clock() - started:.0f} s")

    say("started" + (f", {total} to do" if total else ""))
    _shown.append(noted)
    try:
        yield advance
    except BaseException:
        say(f"stopped at {count()} after {clock() - started:.0f} s")
        raise
    finally:
        _shown.remove(noted)
    say(f"done, {count()} in {clock() - started:.0f} s")
    _notes.clear()
