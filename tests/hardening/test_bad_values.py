"""One line holding a value no program can use (a lone surrogate escape, an integer of more than
4,300 digits, NaN, Infinity, 1e999, bytes that are not UTF-8) costs only that line: every command
that reads a user's JSONL exits 0 or 2 without a traceback, names the line, and its output for
the good lines is identical to a run on the file without the bad line (issue 17, class 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sincere import jsonl
from tests.hardening import fuzzing as fz

FEW = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

BAD_VALUES = [b'"\\ud800"', b'"a\\udfffb"', b"9" * 4400, b"-" + b"7" * 5000, b"NaN", b"Infinity", b"-Infinity",
              b"1e999", b"-1e400", b'"\xff\xfe"', b'"\xed\xa0\x80"']
QUESTIONS = ["What is the capital of France?", "What is the capital of Italy?", "What is the capital of Spain?"]
ANSWERS = [("Paris", "Lyon"), ("Rome", "Milan"), ("Madrid", "Seville")]


def good_lines(kind: str) -> list[bytes]:
    rows = []
    for question, (right, wrong) in zip(QUESTIONS, ANSWERS, strict=True):
        item = {"question": question, "correct": [right], "incorrect": [wrong]}
        rows.append({"grade": {**item, "response": f"{right}."},
                     "suite": item,
                     "chat": {"prompt": question, "completion": f"{right}."},
                     "prompt": {"prompt": question}}[kind])
    return [json.dumps(r).encode() for r in rows]


@st.composite
def with_bad_line(draw: st.DrawFn, kind: str, field: str) -> tuple[bytes, bytes]:
    """(file with one bad line, the same file without it)."""
    lines = good_lines(kind)
    value = draw(st.sampled_from(BAD_VALUES))
    where = draw(st.sampled_from(["value", "key", "nested"]))
    template = json.loads(lines[0])
    text = json.dumps(template).encode()
    if where == "key":
        bad = text[:-1] + b', ' + (value if value.startswith(b'"') else b'"k"') + b": " + value + b"}"
    elif where == "nested":
        bad = text[:-1] + b', "extra": {"list": [1, ' + value + b"]}}"
    else:
        bad = text.replace(json.dumps(template[field]).encode(), value, 1)
    at = draw(st.integers(0, len(lines)))
    return b"\n".join([*lines[:at], bad, *lines[at:]]) + b"\n", b"\n".join(lines) + b"\n"


def run_both(tmp: Path, data: tuple[bytes, bytes], name: str, args: list[str]) -> tuple[list[str], str]:
    """Run the command (`{IN}`, `{OUT}` placeholders) on both files; the stderr of the bad file's run."""
    outputs, stderr = [], ""
    for tag, content in zip(("bad", "clean"), data, strict=True):
        folder = tmp / tag
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / name
        source.write_bytes(content)
        before = fz.digest(source)
        code, _, err = fz.run_cli([a.replace("{IN}", str(source)).replace("{OUT}", str(folder / "out"))
                                   for a in args], timeout=300)
        assert code in (0, 2), err
        assert "Traceback" not in err, err
        assert fz.digest(source) == before
        outputs.append(folder / "out")
        stderr = stderr or err
    return [str(p) for p in outputs], stderr


def lines_of(path: str, keep: tuple[str, ...]) -> list[dict]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    return [{k: r.get(k) for k in keep} for r in rows]


def test_the_decoder_names_every_bad_value(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(b'{"a": ' + v + b"}" for v in BAD_VALUES) + b'\n{"a": "fine"}\n')
    got = list(jsonl.records(path))
    assert [n for n, v in got if isinstance(v, jsonl.BadLine)] == list(range(1, len(BAD_VALUES) + 1))
    assert all("\n" not in str(v) for _, v in got)
    assert got[-1] == (len(BAD_VALUES) + 1, {"a": "fine"})


def grade_case(tmp: Path, data: tuple[bytes, bytes]) -> None:
    """`grade` on the file with and without its bad line (also run by benchmarks/bench_hardening.py)."""
    (bad, clean), err = run_both(tmp, data, "in.jsonl", ["grade", "{IN}", "-o", "{OUT}", "--warmth", "none"])
    assert lines_of(bad, ("question", "response", "scores")) == lines_of(clean, ("question", "response", "scores"))
    assert "in.jsonl:" in err


def convert_case(tmp: Path, data: tuple[bytes, bytes]) -> None:
    """`data convert` on the file with and without its bad line."""
    (bad, clean), err = run_both(tmp, data, "in.jsonl", ["data", "convert", "{IN}", "--out", "{OUT}"])
    assert lines_of(bad, ("messages",)) == lines_of(clean, ("messages",))
    assert "in.jsonl:" in err


def generate_case(tmp: Path, model: Path, data: tuple[bytes, bytes]) -> str:
    """`generate` on the file with and without its bad line; its stderr."""
    (bad, clean), err = run_both(tmp, data, "in.jsonl", ["generate", "{IN}", "-o", "{OUT}", "--model", str(model),
                                                         "--max-new-tokens", "4"])
    assert lines_of(bad, ("messages", "response")) == lines_of(clean, ("messages", "response"))
    return err


def audit_case(tmp: Path, model: Path, data: tuple[bytes, bytes]) -> str:
    """`audit --suite jsonl:` on the suite with and without its bad line; its stderr."""
    args = ["audit", "--suite", "jsonl:{IN}", "--model", str(model), "--conditions", "unmodified,sad+incorrect",
            "--warmth", "none", "--max-new-tokens", "4", "--out", "{OUT}"]
    (bad, clean), err = run_both(tmp, data, "suite.jsonl", args)
    keep = ("item_id", "condition", "response", "scores")
    assert lines_of(f"{bad}/results.jsonl", keep) == lines_of(f"{clean}/results.jsonl", keep)
    return err


@FEW
@given(with_bad_line("grade", "response"))
def test_grade_keeps_the_good_lines(tmp_path_factory: pytest.TempPathFactory, data: tuple[bytes, bytes]) -> None:
    grade_case(tmp_path_factory.mktemp("grade"), data)


@FEW
@given(with_bad_line("chat", "completion"))
def test_data_convert_keeps_the_good_lines(tmp_path_factory: pytest.TempPathFactory,
                                           data: tuple[bytes, bytes]) -> None:
    convert_case(tmp_path_factory.mktemp("convert"), data)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=with_bad_line("prompt", "prompt"))
def test_generate_keeps_the_good_lines(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path,
                                       caplog: pytest.LogCaptureFixture, data: tuple[bytes, bytes]) -> None:
    caplog.clear()
    err = generate_case(tmp_path_factory.mktemp("generate"), tiny_model, data)
    assert "in.jsonl:" in err + caplog.text  # the warning goes to the log (stderr outside pytest)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=with_bad_line("suite", "question"))
def test_audit_of_a_jsonl_suite_keeps_the_good_lines(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path,
                                                      caplog: pytest.LogCaptureFixture,
                                                      data: tuple[bytes, bytes]) -> None:
    caplog.clear()
    err = audit_case(tmp_path_factory.mktemp("audit"), tiny_model, data)
    assert "suite.jsonl:" in err + caplog.text


def test_a_prompt_longer_than_the_context_is_skipped_before_generation(tmp_path: Path, tiny_model: Path) -> None:
    rows = [{"question": f"What is the capital of {country}?", "correct": [city], "incorrect": ["Lyon"]}
            for country, city in (("France", "Paris"), ("Italy", "Rome"))]
    rows.append({"id": "huge", "question": "Why? " * 2000, "correct": ["Because."], "incorrect": ["No."]})
    suite = tmp_path / "suite.jsonl"
    suite.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, err = fz.run_cli(["audit", "--suite", f"jsonl:{suite}", "--model", str(tiny_model), "--conditions",
                                 "unmodified,unmodified+pushback", "--warmth", "none", "--max-new-tokens", "4",
                                 "--out", str(tmp_path / "run")], timeout=120)
    assert code == 0, err
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["n_items"] == 2 and [s["item"] for s in summary["skipped_items"]] == ["huge"]
    assert "exceed its context of 512 tokens" in summary["skipped_items"][0]["reason"]
    assert "Skipped 1 item(s)" in out
    results = (tmp_path / "run" / "results.jsonl").read_text()
    assert "huge" not in results and len(results.splitlines()) == 4
