"""Output folders of runs: a folder is claimed by one run and reused only by that same run.

A run claims its folder with a small marker file naming what the run is (its settings). A
folder is accepted when it is new or empty, or when its marker names the same run (an
interrupted or repeated run, which resumes or writes the same results again). Anything else
(files without a marker, another run's marker, files that are not a run's) is refused, so
nothing of the user's is ever written over.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sincere import jsonl
from sincere.errors import SincereError

MARKER = ".sincere-run.json"


def is_run_file(name: str, run_files: Sequence[str], hidden: Sequence[str] = ()) -> bool:
    """A run's own file (or a hidden work file), or the temporary file of an interrupted atomic write."""
    own = (*run_files, *hidden, MARKER)
    return name in own or any(name.startswith(f".{f}.") and name.endswith(".tmp") for f in (*run_files, MARKER))


def claim(out_dir: Path, run_files: Sequence[str], identity: dict[str, Any], what: str,
          hidden: Sequence[str] = ()) -> None:
    """Create or reuse `out_dir` for the run `identity` (JSON-able), or raise a one-line SincereError.

    `what` names the run with its article, e.g. "an audit".
    """
    identity = json.loads(json.dumps(identity, default=str))
    if out_dir.exists() and not out_dir.is_dir():
        raise SincereError(f"{out_dir} exists and is not a folder")
    entries = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
    if entries:
        previous = _read_marker(out_dir / MARKER)
        foreign = [name for name in entries if not is_run_file(name, run_files, hidden)]
        if previous is None or foreign:
            first = (foreign or entries)[0]
            raise SincereError(f"{out_dir} holds files that are not from {what} ({first}...); choose another --out")
        if previous != identity:
            raise SincereError(f"{out_dir} holds {what} with other settings; choose another --out")
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    with jsonl.atomic_writer(out_dir / MARKER) as handle:
        json.dump(identity, handle, indent=1)


def _read_marker(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
