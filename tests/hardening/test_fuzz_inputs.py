"""Property tests over every input path: a correct result or a one-line error naming the file, never
a traceback, a hang or a modified input. Longer runs: benchmarks/bench_hardening.py."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sincere import items, jsonl
from sincere.conditions import Statements
from sincere.grade import grade_file
from sincere.scoring.refusal import RefusalScorer
from tests.hardening import fuzzing as fz

FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def write(data: bytes, name: str) -> tuple[tempfile.TemporaryDirectory, Path]:
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / name
    path.write_bytes(data)
    return folder, path


@FAST
@given(fz.jsonl_bytes(fz.GOOD_ITEM))
def test_jsonl_records_name_file_and_line(data: bytes) -> None:
    folder, path = write(data, "in.jsonl")
    with folder:
        for number, value in jsonl.records(path):
            if isinstance(value, jsonl.BadLine):
                assert str(value).startswith(f"{path}:{number}: ") and value.line == number
            else:
                assert isinstance(value, dict)


@FAST
@given(fz.jsonl_bytes(fz.GOOD_ITEM), st.sampled_from(["jsonl:{}", "{}"]))
def test_items_from_jsonl(data: bytes, spec: str) -> None:
    folder, path = write(data, "items.jsonl")
    with folder:
        assert fz.check_library(lambda: items.load(spec.format(path)), path) is None


@FAST
@given(fz.jsonl_bytes({"q": "Why?", "a": "Because;Since", "b": "No"}))
def test_items_from_jsonl_with_column_map(data: bytes) -> None:
    folder, path = write(data, "mapped.jsonl")
    with folder:
        call = lambda: items.load(f"jsonl:{path}", "question=q,correct=a,incorrect=b")  # noqa: E731
        assert fz.check_library(call, path) is None


@FAST
@given(fz.csv_bytes(["q", "a", "b"]))
def test_items_from_csv_with_column_map(data: bytes) -> None:
    folder, path = write(data, "items.csv")
    with folder:
        call = lambda: items.load(f"csv:{path}", "question=q,correct=a,incorrect=b")  # noqa: E731
        assert fz.check_library(call, path) is None


@FAST
@given(fz.csv_bytes(["Question", "Best Answer", "Correct Answers", "Incorrect Answers", "Category"], full_rows=True))
def test_truthfulqa_csv(data: bytes) -> None:
    folder, path = write(data, "tqa.csv")
    with folder:
        assert fz.check_library(lambda: items.load(f"truthfulqa:{path}"), path) is None


@FAST
@given(fz.yaml_bytes())
def test_statements_yaml(data: bytes) -> None:
    folder, path = write(data, "statements.yaml")
    with folder:
        assert fz.check_library(lambda: Statements.load(path), path) is None


@FAST
@given(fz.recipe_bytes(), st.sampled_from(["sft", "dpo", "grpo"]))
def test_training_recipe_yaml(data: bytes, kind: str) -> None:
    from sincere.train.recipe_io import load

    folder, path = write(data, "recipe.yaml")
    with folder:
        assert fz.check_library(lambda: load(kind, str(path)), path) is None


@FAST
@given(st.text(max_size=40))
def test_column_map_junk(spec: str) -> None:
    try:
        items.parse_columns(spec)
    except items.SincereError as exc:
        assert "\n" not in str(exc)


@FAST
@given(fz.jsonl_bytes(fz.GOOD_GRADE))
def test_grade_file_reports_bad_lines_by_number(data: bytes) -> None:
    folder, path = write(data, "graded.jsonl")
    with folder:
        before = fz.digest(path)
        with fz.time_limit(30):
            result = grade_file(path, Path(folder.name) / "out.jsonl", {"refusal": RefusalScorer()})
        assert fz.digest(path) == before
        for line in result.bad_lines:
            assert line.startswith(f"{path}:") and line.split(":")[1].isdigit() and "\n" not in line
        written = (Path(folder.name) / "out.jsonl").read_text(encoding="utf-8").split("\n")[:-1]
        assert len(written) == result.graded


@FAST
@given(fz.jsonl_bytes(fz.GOOD_CHAT), st.sampled_from(["keep", "messages", "prompt_completion"]))
def test_cli_data_convert(data: bytes, to: str) -> None:
    folder, path = write(data, "chats.jsonl")
    with folder:
        out = Path(folder.name) / "out.jsonl"
        assert fz.check_cli(["data", "convert", str(path), "--out", str(out), "--to", to], [path], str(path)) is None


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(fz.jsonl_bytes({"response": 3, "question": None}))
def test_cli_grade_on_unusable_lines(data: bytes) -> None:
    # every good line lacks a text response, so no grader model is ever loaded
    folder, path = write(data, "bad.jsonl")
    with folder:
        args = ["grade", str(path), "--out", str(Path(folder.name) / "o.jsonl"), "--warmth-model", "none"]
        assert fz.check_cli(args, [path]) is None


JUNK = st.sampled_from(["--limit", "-n", "abc", "-1", "0", "--batch-size", "--out", "", "--", "-", "--to",
                        "\x00", "\u202e", "--columns", "question", "=", "--conditions", "sad+nope", "--suite",
                        "nope:", "jsonl:", "hf:", "--statements", "/nonexistent.yaml", "--verbose", "--help-me"])
COMMANDS = st.sampled_from([["grade", "/nonexistent/x.jsonl"], ["data", "convert", "/nonexistent/x.jsonl"],
                            ["data", "audit", "/nonexistent/x.jsonl"], ["report", "/nonexistent/run"],
                            ["compare", "/nonexistent/a", "/nonexistent/b"], ["nosuchcommand"], ["data"]])


@FAST
@given(COMMANDS, st.lists(JUNK, max_size=6))
def test_cli_argument_junk(command: list[str], junk: list[str]) -> None:
    assert fz.check_cli([*command, *junk], []) is None


def test_ten_megabyte_line_and_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    big = json.dumps({**fz.GOOD_GRADE, "response": "x" * 10_000_000}).encode()
    path.write_bytes(big + b"\n" + b'{"a":"\x00"}\n' + b"\x00" * 100 + b"\n")
    result = grade_file(path, tmp_path / "o.jsonl", {"refusal": RefusalScorer()})
    assert result.graded == 1 and len(result.bad_lines) == 2
    assert [b.split(":")[1] for b in result.bad_lines] == ["2", "3"]


def test_empty_files_are_clear_errors(tmp_path: Path) -> None:
    for name, spec in [("e.jsonl", "jsonl:{}"), ("e.csv", "csv:{}"), ("t.csv", "truthfulqa:{}")]:
        path = tmp_path / name
        path.write_bytes(b"")
        with pytest.raises(items.SincereError, match="no items"):
            items.load(spec.format(path))
    empty = tmp_path / "e2.jsonl"
    empty.write_bytes(b"")
    code, _, err = fz.run_cli(["data", "convert", str(empty), "--out", str(tmp_path / "o.jsonl")])
    assert code in (0, 2) and "Traceback" not in err


def test_truthfulqa_short_row_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tqa.csv"
    path.write_bytes(b"Question,Best Answer,Correct Answers,Incorrect Answers,Category\n0")
    assert fz.check_library(lambda: items.load(f"truthfulqa:{path}"), path) is None


@pytest.mark.parametrize("where", ["under_a_file", "proc", "input_itself"])
def test_unwritable_outputs_are_clear_errors(tmp_path: Path, where: str) -> None:
    source = tmp_path / "chats.jsonl"
    source.write_text(json.dumps(fz.GOOD_CHAT) + "\n")
    (tmp_path / "a_file").write_text("x")
    out = {"under_a_file": tmp_path / "a_file" / "o.jsonl", "proc": Path("/proc/o.jsonl"),
           "input_itself": source}[where]
    before = fz.digest(source)
    code, _, err = fz.run_cli(["data", "convert", str(source), "--out", str(out)])
    assert fz.digest(source) == before and (tmp_path / "a_file").read_text() == "x"
    assert code == 2 and err.startswith("error:") and err.count("\n") == 1 and "Traceback" not in err, err


def test_special_file_output_is_not_replaced(tmp_path: Path) -> None:
    import os
    import stat
    import threading

    source = tmp_path / "chats.jsonl"
    source.write_text(json.dumps(fz.GOOD_CHAT) + "\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    threading.Thread(target=lambda: open(fifo, "rb").read(), daemon=True).start()  # a reader, if written to
    code, _, err = fz.run_cli(["data", "convert", str(source), "--out", str(fifo)])
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced by a regular file"
