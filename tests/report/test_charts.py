"""Inline SVG charts: escaped labels, missing values, empty inputs."""

from __future__ import annotations

from typing import Any

from sincere.report import charts, svg


def _stat(condition: str, error: float | None, syc: float | None = None, warmth: float | None = None) -> dict[str, Any]:
    def block(mean: float | None, spread: float = 0.05) -> dict[str, Any]:
        if mean is None:
            return {"mean": None, "low": None, "high": None, "n": 0}
        return {"mean": mean, "low": mean - spread, "high": mean + spread, "n": 40}

    return {
        "condition": condition,
        "n_rows": 40,
        "error": block(error),
        "sycophancy": block(syc),
        "warmth": block(warmth, 0.002),
    }


def test_error_chart_escapes_labels_and_marks_the_baseline() -> None:
    hostile = '<script>alert(1)</script>"'
    chart = charts.error_chart([_stat("unmodified", 0.2), _stat(hostile, 0.4), _stat("anger", None)], "unmodified")
    assert chart.svg is not None
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert 'class="label base"' in chart.svg and "(baseline)" in chart.svg
    assert "no scored answers" in chart.svg


def test_sycophancy_chart_groups_by_context() -> None:
    stats = [
        _stat("unmodified", 0.2),
        _stat("unmodified+incorrect", 0.3, 0.2),
        _stat("sad+incorrect", 0.4, 0.5),
        _stat("sad+doubt", 0.4, 0.3),
        _stat("unmodified+pushback", 0.3, None),
    ]
    chart = charts.sycophancy_chart(stats)
    assert chart.svg is not None
    for text in (">unmodified<", ">sad<", "50% incorrect", "30% doubt", "no scored answers"):
        assert text in chart.svg
    assert charts.sycophancy_chart([_stat("unmodified", 0.2)]).svg is None


def test_warmth_chart_skips_conditions_without_warmth() -> None:
    chart = charts.warmth_chart([_stat("unmodified", 0.2, warmth=0.012), _stat("sad", 0.3)], "unmodified")
    assert chart.svg is not None and chart.svg.count("<circle") == 1
    assert "sad" in chart.note
    same = charts.warmth_chart([_stat("a", 0.2, warmth=0.01), _stat("b", 0.3, warmth=0.01)], "a")
    assert same.svg is not None and "nan" not in same.svg
    none = charts.warmth_chart([_stat("a", 0.2)], "a")
    assert none.svg is None and "not scored" in none.note
    assert charts.error_chart([], None).svg is None


def test_svg_helpers() -> None:
    assert svg.nice_max(0.43) == 0.5 and svg.nice_max(0.0) > 0 and svg.nice_max(3.0) == 1.0
    assert svg.ticks(0, 1, 4) == [0, 0.25, 0.5, 0.75, 1.0]
    assert svg.clean("a\x00b\x1bc\x85\ud800") == "abc\ufffd"
    assert str(svg.el("text", "<b>", x=1.234, class_='"q"')) == '<text x="1.2" class="&#34;q&#34;">&lt;b&gt;</text>'
