"""Atomic writes: the target appears whole or not at all; a killed writer's temporary file is cleaned up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sincere import jsonl


def test_atomic_write_replaces_whole_and_cleans_up_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), jsonl.atomic_writer(target) as handle:
        handle.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
    with jsonl.atomic_writer(target) as handle:
        handle.write("new\n")
    assert target.read_text() == "new\n" and [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_temporaries_of_killed_writers_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # a process that has exited, as one SIGKILLed mid-write has
    target = tmp_path / "out.jsonl"
    killed = tmp_path / f".out.jsonl.{dead_pid}.abc123.tmp"
    running = tmp_path / f".out.jsonl.{os.getppid()}.def456.tmp"  # a writer still running (our parent)
    other = tmp_path / f".other.jsonl.{dead_pid}.ghi789.tmp"  # another file's: not ours to touch
    for path in (killed, running, other):
        path.write_text("partial")
    with jsonl.atomic_writer(target) as handle:
        handle.write("done\n")
    assert not killed.exists() and running.exists() and other.exists()
    assert target.read_text() == "done\n"
