"""Streaming JSONL input and safe output: errors name the file and line; inputs are never overwritten."""

from __future__ import annotations

import glob
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sincere.errors import SincereError

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
    if not path.is_file():
        raise SincereError(f"{path}: no such file")
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if len(raw) > MAX_LINE:
                yield number, BadLine(path, number, f"line longer than {MAX_LINE} bytes")
                continue
            yield number, _parse(path, number, raw)


def _parse(path: Path, number: int, raw: bytes) -> dict[str, Any] | BadLine:
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadLine(path, number, f"not UTF-8 (byte {exc.start})")
    if not text.strip():
        return BadLine(path, number, "blank line")
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        return BadLine(path, number, f"invalid JSON ({reason})")
    if not isinstance(value, dict):
        return BadLine(path, number, f"expected a JSON object, got {type(value).__name__}")
    return value


def strict_records(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Like `records`, but the first malformed line raises (blank lines are skipped)."""
    for number, value in records(path):
        if isinstance(value, BadLine):
            if str(value).endswith("blank line"):
                continue
            raise value
        yield number, value


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when two paths name the same existing file."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@contextmanager
def atomic_writer(path: str | Path, *, protect: tuple[str | Path, ...] = ()) -> Iterator[IO[str]]:
    """Write `path` through a temporary file renamed into place only on success.

    Refuses to write over any path in `protect` (the command's inputs).
    """
    path = Path(path)
    for source in protect:
        if same_file(path, source) or path.resolve() == Path(source).resolve():
            raise SincereError(f"refusing to overwrite the input file {source}; choose another output")
    if path.exists() and not path.resolve().is_file():  # /dev/null, /dev/stdout, a FIFO: write in place
        try:
            with open(path, "w", encoding="utf-8") as handle:
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
    """One JSON line (UTF-8 kept readable)."""
    return json.dumps(value, ensure_ascii=False)
