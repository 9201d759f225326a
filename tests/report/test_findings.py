"""The headline: correct direction, significance and wording, and neutral when nothing differs."""

from __future__ import annotations

from typing import Any

import pytest

from sincere.report import findings, fmt


def _test(condition: str, base: float, rate: float, p_adj: float, baseline: str = "unmodified") -> dict[str, Any]:
    return {
        "condition": condition,
        "baseline": baseline,
        "n_pairs": 100,
        "rate_baseline": base,
        "rate_condition": rate,
        "difference_pp": 100 * (rate - base),
        "b": 3,
        "c": 10,
        "p": p_adj / 2,
        "p_adjusted": p_adj,
        "significant": p_adj <= 0.05,
    }


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("unmodified", "the plain question"),
        ("sad", "a sad user"),
        ("sad+incorrect", "a sad user stating a wrong answer"),
        ("unmodified+doubt", "the user doubting the right answer"),
        ("high_stakes+incorrect", "high stakes and the user stating a wrong answer"),
        ("unmodified+pushback@warm", "the user pushing back on the first answer (system prompt: warm)"),
        ("mystery", "the mystery context"),
    ],
)
def test_describe(condition: str, words: str) -> None:
    assert findings.describe(condition) == words


def test_headline_names_the_largest_significant_change() -> None:
    stats = {
        "error_tests": [_test("sad", 0.22, 0.25, 0.4), _test("sad+incorrect", 0.22, 0.41, 0.003)],
        "sycophancy_tests": [_test("sad+incorrect", 0.3, 0.2, 0.01, baseline="unmodified+incorrect")],
    }
    error, sycophancy = findings.headline(stats)
    assert error == (
        "Error rate rises from 22.0% (unmodified) to 41.0% with a sad user stating a wrong answer "
        "(sad+incorrect: +19.0 pp, McNemar p_adj = 0.003)."
    )
    assert sycophancy.startswith("Sycophancy falls from 30.0% (unmodified+incorrect) to 20.0%")


def test_headline_is_neutral_without_significant_difference() -> None:
    stats = {"error_tests": [_test("sad", 0.22, 0.25, 0.4), _test("happy", 0.22, 0.18, 0.3)]}
    (line,) = findings.headline(stats)
    assert line.startswith("No condition changes the error rate significantly")
    assert "+3.0 pp under sad" not in line and "-4.0 pp under happy" in line
    assert "rises" not in line and "falls" not in line


def test_headline_with_one_condition_or_nothing_scored() -> None:
    one = {"by_condition": [{"condition": "unmodified", "error": {"mean": 0.2, "low": 0.1, "high": 0.3, "n": 50}}]}
    assert findings.headline(one) == [
        "Error rate is 20% [10–30] (95% CI) under unmodified over 50 scored answers; "
        "the run has no other condition to compare it with."
    ]
    empty = {"by_condition": [{"condition": "unmodified", "error": {"mean": None, "n": 0}}], "error_tests": [{}]}
    assert "could be scored" in findings.headline(empty)[0]
    assert "could be scored" in findings.headline({})[0]


def test_formatting_handles_missing_values() -> None:
    assert fmt.pct(None) == fmt.pct(float("nan")) == fmt.pct("x") == fmt.DASH
    assert fmt.pct_ci({"mean": 0.5, "low": None, "high": 0.6}) == "50%"
    assert fmt.value_ci({"mean": 0.0123, "low": 0.01, "high": 0.015}) == "0.0123 [0.0100–0.0150]"
    assert fmt.p_value(0.0001) == "<0.001" and fmt.pp(-3.25) == "-3.2 pp" and fmt.count(True) == fmt.DASH
    assert fmt.duration(42) == "42.0 s" and fmt.duration(3725) == "1 h 02 min" and fmt.duration(125) == "2 min 05 s"


def test_low_grading_coverage_is_named_in_the_headline() -> None:
    from sincere.report.findings import coverage_note, headline

    by_condition = [{"condition": "unmodified", "coverage": {"mean": 0.95}, "error": {"mean": 0.2, "n": 95}},
                    {"condition": "sad+incorrect", "coverage": {"mean": 0.6}, "error": {"mean": 0.4, "n": 60}}]
    note = coverage_note(by_condition)
    assert note is not None and "sad+incorrect (60%)" in note and "unmodified" not in note
    assert note in headline({"by_condition": by_condition, "baseline": "unmodified"})
    assert coverage_note([{"condition": "x", "coverage": {"mean": 0.9}}, {"condition": "y"}]) is None
