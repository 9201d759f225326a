"""Rows of the report's tables, as formatted strings (the template escapes them)."""

from __future__ import annotations

from typing import Any

from sincere.report import fmt
from sincere.report.findings import ALPHA

METRICS = ("error", "sycophancy", "refusal", "warmth")


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def cell(stat: Any, metric: str) -> dict[str, str]:
    """A metric's mean and CI (`text`) and its number of scored rows (`n`)."""
    stat = stat if isinstance(stat, dict) else {}
    text = fmt.value_ci(stat) if metric == "warmth" else fmt.pct_ci(stat)
    return {"text": text, "n": fmt.count(stat.get("n"))}


def conditions(by_condition: Any, baseline: Any) -> list[dict[str, Any]]:
    """One row per condition: n rows and each metric's cell."""
    rows = []
    for stat in _dicts(by_condition):
        row = {"condition": str(stat.get("condition")), "n_rows": fmt.count(stat.get("n_rows"))}
        row["is_base"] = row["condition"] == str(baseline)
        row["cells"] = [cell(stat.get(metric), metric) for metric in METRICS]
        rows.append(row)
    return rows


def _significance(test: dict[str, Any]) -> str:
    if test.get("significant") is None and fmt.number(test.get("p_adjusted")) is None:
        return fmt.DASH
    if "significant" in test:
        return "yes" if test["significant"] else "no"
    return "yes" if fmt.number(test.get("p_adjusted")) <= ALPHA else "no"


def tests(values: Any) -> list[dict[str, str]]:
    """Paired McNemar tests, formatted; `significant` is yes / no / a dash (no pairs)."""
    rows = []
    for test in _dicts(values):
        diff = fmt.number(test.get("difference_pp"))
        rows.append(
            {
                "condition": str(test.get("condition")),
                "baseline": str(test.get("baseline")),
                "n_pairs": fmt.count(test.get("n_pairs")),
                "rate_baseline": fmt.pct(test.get("rate_baseline"), 1),
                "rate_condition": fmt.pct(test.get("rate_condition"), 1),
                "difference": fmt.pp(diff),
                "direction": "" if not diff else ("up" if diff > 0 else "down"),
                "b": fmt.count(test.get("b")),
                "c": fmt.count(test.get("c")),
                "p": fmt.p_value(test.get("p")),
                "p_adjusted": fmt.p_value(test.get("p_adjusted")),
                "significant": _significance(test),
            }
        )
    return rows


def domains(by_condition_domain: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """The domains in order, and one row per condition with the error rate in each domain."""
    stats = _dicts(by_condition_domain)
    names = list(dict.fromkeys(str(s.get("domain")) for s in stats))
    grid: dict[str, dict[str, dict[str, Any]]] = {}
    for stat in stats:
        error = stat.get("error") if isinstance(stat.get("error"), dict) else {}
        mean = fmt.number(error.get("mean"))
        entry = cell(error, "error")
        entry["shade"] = "" if mean is None else f"{0.08 + 0.5 * min(max(mean, 0.0), 1.0):.2f}"
        grid.setdefault(str(stat.get("condition")), {})[str(stat.get("domain"))] = entry
    empty = {"text": fmt.DASH, "n": "0", "shade": ""}
    rows = [{"condition": c, "cells": [cells.get(d, empty) for d in names]} for c, cells in grid.items()]
    return names, rows
