"""Names a user chooses (paths, context and condition names, model names) are printed as written:
never read as terminal markup, and with control characters shown as escapes (issue 17, class 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sincere.terminal import visible
from tests.hardening import fuzzing as fz

FEW = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
PIECES = ["[/]", "[bold red]", "[/bold red]", "[link=http://x]", "[", "]", ":top:", "\x1b[31m", "\x1b]0;t\x07",
          "\u202e", "\x85", "\x7f", "ev", "il", "é", " "]
name = st.lists(st.sampled_from(PIECES), min_size=1, max_size=5).map("".join).filter(lambda s: s.strip(" ") != "")

GOOD = {"question": "What is the capital of France?", "correct": ["Paris"], "incorrect": ["Lyon"],
        "response": "Paris."}


def printed(code: int, out: str, err: str) -> str:
    assert code in (0, 2), err
    assert "Traceback" not in err and "MarkupError" not in err, err
    assert "\x1b" not in out + err and "\u202e" not in out + err, "a raw control character reached the terminal"
    return out + err


def grade_path_case(tmp: Path, folder: str, stem: str) -> None:
    """`grade` of a file whose folder and name are chosen names (also run by benchmarks/bench_hardening.py)."""
    source = tmp / folder.replace("/", "_") / f"{stem.replace('/', '_')}.jsonl"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(json.dumps(GOOD) + "\n")
    output = source.with_name(source.stem + ".out.jsonl")
    code, out, err = fz.run_cli(["grade", str(source), "-o", str(output), "--warmth", "none"])
    shown = printed(code, out, err)
    assert code == 0 and output.is_file()
    assert visible(str(output)) in shown


def model_name_case(model: str) -> None:
    """`generate` with a model that does not exist, under a chosen name: a one-line error."""
    code, out, err = fz.run_cli(["generate", "-p", "hi", "--model", f"hf:/nonexistent/{model}"])
    printed(code, out, err)
    assert code == 2 and err.strip().count("\n") == 0


@FEW
@given(folder=name, stem=name)
def test_grade_prints_paths_verbatim(tmp_path_factory: pytest.TempPathFactory, folder: str, stem: str) -> None:
    grade_path_case(tmp_path_factory.mktemp("names"), folder, stem)


@FEW
@given(model=name)
def test_an_unknown_model_name_is_a_verbatim_one_line_error(model: str) -> None:
    model_name_case(model)


def test_an_audit_with_a_context_named_like_markup_runs_reports_and_compares(tmp_path: Path, tiny_model: Path) -> None:
    context = "ev[/]il[bold]\x1b[2J"
    statements = tmp_path / "s.yaml"
    statements.write_text(json.dumps({"contexts": {context: ["I feel odd today."]}}))
    runs = []
    for out_dir in ("a[/]", "b[red]"):
        args = ["audit", "--model", str(tiny_model), "--suite", "trivia", "--limit", "3", "--statements",
                str(statements), "--conditions", f"unmodified,{context}", "--warmth", "none", "--max-new-tokens", "4",
                "--out", str(tmp_path / out_dir)]
        code, out, err = fz.run_cli(args, timeout=300)
        shown = printed(code, out, err)
        assert code == 0 and (tmp_path / out_dir / "summary.json").is_file()
        assert visible(context) in shown
        runs.append(str(tmp_path / out_dir))
    code, out, err = fz.run_cli(["compare", *runs])
    assert code == 0 and visible(context) in printed(code, out, err)
