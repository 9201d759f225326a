"""Odd paths: a folder, a FIFO, standard input, a pipe as input; a FIFO nobody reads as output; a comma
in a suite's path (issue 17, class 8). Each is read as a stream or refused in one line saying what it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from sincere import items
from tests.hardening import fuzzing as fz

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"question": "What is the capital of France?", "correct": ["Paris"], "incorrect": ["Lyon"],
        "response": "Paris."}
LINES = "".join(json.dumps({**GOOD, "id": str(n)}) + "\n" for n in range(3))


def sincere(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "sincere", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


def test_a_folder_as_input_says_it_is_a_folder(tmp_path: Path) -> None:
    code, _, err = fz.run_cli(["grade", str(tmp_path), "--warmth", "none"])
    assert code == 2 and f"{tmp_path}: is a folder" in err


def test_standard_input_is_graded_as_a_stream(tmp_path: Path) -> None:
    done = sincere("grade", "-", "-o", str(tmp_path / "out.jsonl"), "--warmth", "none", stdin=LINES)
    assert done.returncode == 0, done.stderr
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 3
    refused = sincere("grade", "-", "--warmth", "none", stdin=LINES)
    assert refused.returncode == 2 and "give --out" in refused.stderr


def test_a_fifo_is_read_as_a_stream(tmp_path: Path) -> None:
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(LINES))
    writer.start()
    code, _, err = fz.run_cli(["grade", str(fifo), "-o", str(tmp_path / "out.jsonl"), "--warmth", "none"])
    writer.join(10)
    assert code == 0, err
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 3


def test_a_fifo_nobody_reads_as_output_is_an_error_not_a_hang(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(LINES)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    code, _, err = fz.run_cli(["grade", str(source), "-o", str(fifo), "--warmth", "none"], timeout=30)
    assert code == 2 and "a FIFO that no process is reading" in err


def test_a_comma_in_a_suite_path_does_not_cut_it(tmp_path: Path) -> None:
    source = tmp_path / "my,suite.jsonl"
    source.write_text(LINES.replace('"response": "Paris."', '"domain": "trivia"'))
    assert [i.id for i in items.load(f"jsonl:{source}")] == ["0", "1", "2"]
    assert len(items.load(f"jsonl:{source},trivia")) > 3
    assert items.spec_parts("trivia,medical") == ["trivia", "medical"]
