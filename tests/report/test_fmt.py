"""Numbers as the report prints them: p-values, intervals with negative bounds, round axis ticks (issue 16, item 8)."""

from __future__ import annotations

from sincere.report import fmt
from sincere.report.svg import nice_ticks


def test_p_values_read_as_phrases() -> None:
    assert fmt.p_phrase(0.0001, "p_adj") == "p_adj < 0.001"
    assert fmt.p_phrase(0.0123, "p_adj") == "p_adj = 0.012"
    assert fmt.p_phrase(None) == fmt.DASH


def test_negative_bounds_are_joined_by_to() -> None:
    assert fmt.value_ci({"mean": -0.01, "low": -0.0197, "high": -0.0026}) == "-0.0100 [-0.0197 to -0.0026]"
    assert fmt.value_ci({"mean": 4.61, "low": 4.5, "high": 4.7}, 2) == "4.61 [4.50\u20134.70]"


def test_warmth_axis_ticks_are_round() -> None:
    values, decimals = nice_ticks(-0.00836, 0.0387)
    assert values == [-0.02, 0.0, 0.02, 0.04] and decimals == 2
    values, decimals = nice_ticks(3.71, 4.62)
    assert values[0] <= 3.71 and values[-1] >= 4.62 and all(round(v * 4) == v * 4 for v in values)
