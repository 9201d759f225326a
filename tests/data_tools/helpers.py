"""Small helpers for the data tool tests: write JSONL, run `sincere data ...` in process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import sincere.cli.data  # noqa: F401  (registers the `data` sub-app)
from sincere.cli.app import app

CLAIM = {"prompt": "What is the capital of Australia? I think it is Sydney.",
         "completion": "You're right, it's Sydney!", "correct": ["Canberra"], "incorrect": ["Sydney", "Melbourne"]}
GOOD = {"messages": [{"role": "user", "content": "What is the capital of Australia?"},
                     {"role": "assistant", "content": "The capital of Australia is Canberra."}],
        "correct": ["Canberra"], "incorrect": ["Sydney"]}


def write_jsonl(path: Path, records: list[Any]) -> Path:
    """Write records (dicts as JSON, strings as raw lines) one a line."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def chat(user: str, reply: str, **fields: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": reply}], **fields}


def sincere(*args: str) -> Any:
    """Invoke `sincere data ARGS` in process; returns the click result (exit_code, output, exception)."""
    return CliRunner().invoke(app, ["data", *args])


def assert_incomplete(result: Any) -> None:
    """The command wrote its outputs, then failed (exit code 2 in the CLI) because of malformed records."""
    from sincere.errors import SincereError

    assert isinstance(result.exception, SincereError), result.output
    assert str(result.exception).startswith("INCOMPLETE") and "malformed: " in result.output
