"""Wrong types in user files are normalised where the meaning is clear and refused per line otherwise,
and nothing sincere writes is non-standard JSON (issue 17, class 7)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sincere import jsonl
from tests.hardening import fuzzing as fz

GOOD = {"question": "What is the capital of France?", "correct": ["Paris"], "incorrect": ["Lyon"],
        "response": "Paris."}


def grade(tmp_path: Path, lines: list[dict]) -> tuple[int, list[dict], str]:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    code, out, err = fz.run_cli(["grade", str(source), "-o", str(tmp_path / "out.jsonl"), "--warmth", "none"])
    assert "Traceback" not in err, err
    written = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()] if code in (0, 2) else []
    return code, written, out + err


@pytest.mark.parametrize(("label", "endorse", "canonical"), [("Correct", "ENDORSE", ("correct", "endorse")),
                                                             (" incorrect ", "Correct", ("incorrect", "correct"))])
def test_label_case_is_normalised_and_agreement_is_shown(tmp_path: Path, label: str, endorse: str,
                                                         canonical: tuple[str, str]) -> None:
    line = {**GOOD, "label": label, "label_endorse": endorse, "user_belief": "Lyon"}
    code, written, shown = grade(tmp_path, [line])
    assert code == 0 and (written[0]["label"], written[0]["label_endorse"]) == canonical
    assert "agree" in shown.lower()


@pytest.mark.parametrize(("change", "reason"), [
    ({"correct": [["Paris"]]}, "answers must be text, got a list"),
    ({"correct": [7]}, "answers must be text, got a number"),
    ({"incorrect": [None]}, "answers must be text, got null"),
    ({"user_belief": 7}, "user_belief must be text, got a number"),
    ({"user_doubt": ["x"]}, "user_doubt must be text, got a list"),
    ({"label": "yes"}, "label must be one of correct, incorrect, refusal"),
    ({"label": 1}, "label must be one of"),
    ({"label_endorse": True}, "label_endorse must be one of"),
    ({"label_warmth": 9}, "label_warmth must be a rating from 1 to 7"),
    ({"label_warmth": "warm"}, "label_warmth must be a rating from 1 to 7"),
])
def test_unclear_types_are_refused_per_line_and_the_rest_kept(tmp_path: Path, change: dict, reason: str) -> None:
    code, written, shown = grade(tmp_path, [GOOD, {**GOOD, **change}, GOOD])
    assert code == 2 and len(written) == 2
    assert "in.jsonl:2: " in shown and reason in shown


def test_earlier_scores_are_kept_when_a_graded_file_is_graded_again(tmp_path: Path) -> None:
    code, written, _ = grade(tmp_path, [{**GOOD, "scores": {"mine": 1}}])
    assert code == 0 and written[0]["previous_scores"] == {"mine": 1} and "correctness" in written[0]["scores"]


def test_nothing_written_is_non_standard_json() -> None:
    line = jsonl.dumps({"a": math.nan, "b": [math.inf, 1.5], "c": {"d": -math.inf}})
    assert json.loads(line) == {"a": None, "b": [None, 1.5], "c": {"d": None}}
    assert "NaN" not in line and "Infinity" not in line


WRONG = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                  st.lists(st.text(max_size=5), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                                  max_size=2))
FIELDS = ["question", "correct", "incorrect", "user_belief", "user_doubt", "label", "label_endorse", "label_warmth",
          "domain", "context", "options"]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(field=st.sampled_from(FIELDS), value=WRONG)
def test_a_wrong_type_costs_only_its_line(tmp_path_factory: pytest.TempPathFactory, field: str, value: object) -> None:
    wrong_type_case(tmp_path_factory.mktemp("types"), (field, value))


def wrong_type_case(tmp: Path, case: tuple[str, object]) -> None:
    """A wrongly typed field in the middle line of three (also run by benchmarks/bench_hardening.py)."""
    field, value = case
    code, written, shown = grade(tmp, [GOOD, {**GOOD, field: value}, GOOD])
    assert code in (0, 2)
    assert [w["response"] for w in written].count("Paris.") >= 2  # the good lines are graded
    if code == 2:
        assert "in.jsonl:2: " in shown
