"""Streaming JSONL input and safe output: errors name the file and line; inputs are never overwritten."""

from __future__ import annotations

import errno
import gc
import glob
import json
import logging
import math
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sincere.errors import SincereError

logger = logging.getLogger(__name__)
MAX_LINE = 16 * 1024 * 1024  # bytes; longer lines are reported, not parsed


class BadLine(SincereError):
    """A line that is not a JSON object; carries its 1-based number."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.line = line


def records(path: str | Path) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """Yield `(line_number, object)` for each non-blank line, or `(line_number, BadLine)`.

    The file is streamed, so memory stays bounded whatever its size.
    """
    path = Path(path)
    with open_input(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if len(raw) > MAX_LINE:
                yield number, BadLine(path, number, f"line longer than {MAX_LINE} bytes")
                continue
            yield number, _parse(path, number, raw)


def input_kind(path: Path) -> str:
    """"file" (a regular file, which can be read twice) or "stream" (`-` for stdin, a FIFO, a pipe
    such as a process substitution, a character device), read once; anything else is a clear error."""
    if str(path) == "-":
        return "stream"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SincereError(f"{path}: no such file") from None
    except OSError as exc:
        raise SincereError(f"{path}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise SincereError(f"{path}: is a folder; give a file")
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return "stream"
    raise SincereError(f"{path}: is neither a file nor a stream (a socket or a block device); give a file")


@contextmanager
def open_input(path: Path) -> Iterator[IO[bytes]]:
    """The input opened for reading bytes (`-` is standard input, left open)."""
    input_kind(path)
    if str(path) == "-":
        yield sys.stdin.buffer
        return
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise SincereError(f"{path}: cannot be read ({exc.strerror})") from None
    with handle:
        yield handle


def _parse(path: Path, number: int, raw: bytes) -> dict[str, Any] | BadLine:
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadLine(path, number, f"not UTF-8 (byte {exc.start})")
    if not text.strip():
        return BadLine(path, number, "blank line")
    collecting = gc.isenabled()
    gc.disable()  # a collection deep inside the parser's recursion would run finalizers without stack left
    try:
        value = json.loads(text, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        return BadLine(path, number, f"invalid JSON ({exc.msg})")
    except RecursionError:
        return BadLine(path, number, "invalid JSON (nested too deeply)")
    except ValueError as exc:  # NaN or Infinity (`no_constant`), or an integer of more than 4,300 digits
        reason = str(exc) if isinstance(exc, NotANumber) else "an integer of more than 4,300 digits"
        return BadLine(path, number, f"unusable value ({reason})")
    finally:
        if collecting:
            gc.enable()
    if not isinstance(value, dict):
        return BadLine(path, number, f"expected a JSON object, got {type(value).__name__}")
    problem = unrepresentable(value)
    if problem:
        return BadLine(path, number, f"unusable value ({problem})")
    return value


class NotANumber(ValueError):
    """NaN or Infinity in a line: Python reads them, JSON has no such numbers."""


def no_constant(name: str) -> None:
    raise NotANumber(f"{name} is not a JSON number")


def unrepresentable(value: Any) -> str | None:
    """Why a decoded JSON value cannot be used and written back, or None: a lone surrogate in a
    string (`"\\ud800"`, not text) or a number too large for a float (`1e999`)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return "a lone surrogate escape such as \\ud800 is not text"
        elif isinstance(node, float) and not math.isfinite(node):
            return "a number too large for a float"
        elif isinstance(node, dict):
            stack += [*node.keys(), *node.values()]
        elif isinstance(node, list):
            stack += node
    return None


def strict_records(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Like `records`, but the first malformed line raises (blank lines are skipped)."""
    for number, value in records(path):
        if isinstance(value, BadLine):
            if str(value).endswith("blank line"):
                continue
            raise value
        yield number, value


def good_records(path: str | Path, skipped: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Like `records`, but only the good lines: each malformed one is added to `skipped` as
    "FILE:LINE: reason", and the rest are kept (blank lines are skipped silently)."""
    for number, value in records(path):
        if isinstance(value, BadLine):
            if not str(value).endswith("blank line"):
                skipped.append(str(value))
            continue
        yield number, value


def warn_skipped(skipped: list[str]) -> None:
    """Log each skipped line as a warning (stderr on the command line)."""
    for reason in skipped:
        logger.warning("skipped %s", reason)


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when two paths name the same existing file."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def refuse_inputs(path: str | Path, protect: tuple[str | Path, ...]) -> None:
    """Raise when the output `path` is one of the command's inputs (check it before any work)."""
    for source in protect:
        if same_file(path, source) or Path(path).resolve() == Path(source).resolve():
            raise SincereError(f"refusing to overwrite the input file {source}; choose another output")


@contextmanager
def atomic_writer(path: str | Path, *, protect: tuple[str | Path, ...] = ()) -> Iterator[IO[str]]:
    """Write `path` through a temporary file renamed into place only on success.

    Refuses to write over any path in `protect` (the command's inputs).
    """
    path = Path(path)
    refuse_inputs(path, protect)
    if path.exists() and not path.resolve().is_file():  # /dev/null, /dev/stdout, a FIFO: write in place
        try:
            with open_in_place(path) as handle:
                yield handle
        except OSError as exc:
            raise SincereError(f"cannot write {path}: {exc.strerror}") from exc
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    except OSError as exc:
        raise SincereError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_in_place(path: Path) -> IO[str]:
    """A special file opened for writing; a FIFO that no process reads is an error, not a hang."""
    if path.is_dir():
        raise SincereError(f"cannot write {path}: it is a folder")
    if stat.S_ISFIFO(path.stat().st_mode):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ENXIO:
                raise SincereError(f"cannot write {path}: it is a FIFO that no process is reading") from None
            raise
        os.set_blocking(fd, True)
        return os.fdopen(fd, "w", encoding="utf-8")
    return open(path, "w", encoding="utf-8")


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files of earlier atomic writes of `path` whose process is gone (killed)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = stale.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def dumps(value: Any) -> str:
    """One JSON line (UTF-8 kept readable); a NaN or infinite number is written as null (JSON has neither)."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), ensure_ascii=False, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
