"""Output folders of runs: a folder is claimed by one run and reused only by that same run.

A run claims its folder with a small marker file naming what the run is (its settings). A
folder is accepted when it is new or empty, or when its marker names the same run (an
interrupted or repeated run, which resumes or writes the same results again). Anything else
(files without a marker, another run's marker, files that are not a run's) is refused, so
nothing of the user's is ever written over.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sincere.errors import SincereError

MARKER = ".sincere-run.json"


def is_run_file(name: str, run_files: Sequence[str], hidden: Sequence[str] = ()) -> bool:
    """A run's own file (or a hidden work file), or the temporary file of an interrupted atomic write."""
    own = (*run_files, *hidden, MARKER)
    return name in own or any(name.startswith(f".{f}.") and name.endswith(".tmp") for f in (*run_files, MARKER))


def refusal(out_dir: Path, run_files: Sequence[str], identity: dict[str, Any], what: str,
            hidden: Sequence[str] = ()) -> str | None:
    """Why the run `identity` may not use `out_dir` (None: it may, the folder being new, empty or its own)."""
    identity = json.loads(json.dumps(identity, default=str))
    if out_dir.exists() and not out_dir.is_dir():
        return f"{out_dir} exists and is not a folder"
    entries = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
    if not entries:
        return None
    previous = _read_marker(out_dir / MARKER)
    foreign = [name for name in entries if not is_run_file(name, run_files, hidden)]
    if previous is None or foreign:
        return f"{out_dir} holds files that are not from {what} ({(foreign or entries)[0]}...); choose another --out"
    if previous != identity:
        return f"{out_dir} holds {what} with other settings; choose another --out"
    return None


def first_free(base: Path, run_files: Sequence[str], identity: dict[str, Any], hidden: Sequence[str] = ()) -> Path:
    """The first of `base`, `base-2`, `base-3`, ... that the run may use: a default folder never makes the user pick."""
    for number in itertools.count(1):
        candidate = base if number == 1 else base.with_name(f"{base.name}-{number}")
        if refusal(candidate, run_files, identity, "a run", hidden) is None:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def claim(out_dir: Path, run_files: Sequence[str], identity: dict[str, Any], what: str,
          hidden: Sequence[str] = ()) -> None:
    """Create or reuse `out_dir` for the run `identity` (JSON-able), or raise a one-line SincereError.

    `what` names the run with its article, e.g. "an audit".
    """
    reason = refusal(out_dir, run_files, identity, what, hidden)
    if reason:
        raise SincereError(reason)
    identity = json.loads(json.dumps(identity, default=str))
    if _read_marker(out_dir / MARKER) == identity:  # its own folder (another run's temporary file is no claim)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    # The marker is written whole to a temporary file, then linked into place: linking fails when the
    # marker exists, so of two runs claiming the folder at the same instant exactly one wins.
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{MARKER}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(identity, handle, indent=1)
        os.chmod(tmp, 0o666 & ~_umask())
        os.link(tmp, out_dir / MARKER)
    except FileExistsError:
        if _read_marker(out_dir / MARKER) != identity:
            raise SincereError(f"{out_dir} was claimed by another run at the same moment; "
                               "choose another --out") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _read_marker(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
