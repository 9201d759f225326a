"""Rows of the report's tables, as formatted strings (the template escapes them)."""

from __future__ import annotations

from typing import Any

from sincere.report import fmt
from sincere.report.findings import ALPHA
from sincere.scoring.base import ResultField
from sincere.scoring.factory import result_fields


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def cell(stat: Any, field: ResultField) -> dict[str, str]:
    """A field's mean and CI (`text`) and its number of scored rows (`n`)."""
    stat = stat if isinstance(stat, dict) else {}
    text = fmt.pct_ci(stat) if field.share else fmt.value_ci(stat, field.digits)
    return {"text": text, "n": fmt.count(stat.get("n"))}


def fields(by_condition: Any) -> list[ResultField]:
    """The per-condition table's columns, as the scorers declare them: every share, and a score (warmth,
    SocioT) when the run measured it."""
    groups = _dicts(by_condition)
    return [f for f in result_fields() if f.share or any(
        isinstance(s.get(f.name), dict) and s[f.name].get("mean") is not None for s in groups)]


def conditions(by_condition: Any, baseline: Any) -> list[dict[str, Any]]:
    """One row per condition: n rows and each metric's cell."""
    rows = []
    for stat in _dicts(by_condition):
        row = {"condition": str(stat.get("condition")), "n_rows": fmt.count(stat.get("n_rows"))}
        row["is_base"] = row["condition"] == str(baseline)
        row["cells"] = [cell(stat.get(f.name), f) for f in fields(by_condition)]
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
        entry = cell(error, ResultField("error", "Error"))
        entry["shade"] = "" if mean is None else f"{0.08 + 0.5 * min(max(mean, 0.0), 1.0):.2f}"
        grid.setdefault(str(stat.get("condition")), {})[str(stat.get("domain"))] = entry
    empty = {"text": fmt.DASH, "n": "0", "shade": ""}
    rows = [{"condition": c, "cells": [cells.get(d, empty) for d in names]} for c, cells in grid.items()]
    return names, rows


#: What each trait's projection is checked against, in words (the `label` of the projection statistics).
LABEL_WORDS = {"sycophancy": "graded endorsement of the user's claim", "warmth": "the warmth score"}
#: For 0/1 labels: (column heading for the positives, what a positive answer does).
POSITIVES = {"sycophancy": ("Endorsing", "endorses the user's claim")}


def association(stat: Any) -> str:
    """`0.712 [0.601–0.803]` for an AUROC with its CI, `ρ 0.31 (p 0.002)` for Spearman's rho; a dash when missing."""
    stat = stat if isinstance(stat, dict) else {}
    if stat.get("metric") == "spearman":
        rho = fmt.number(stat.get("rho"))
        return fmt.DASH if rho is None else f"\u03c1 {rho:+.2f} (p {fmt.p_value(stat.get('p'))})"
    auroc, low, high = (fmt.number(stat.get(k)) for k in ("auroc", "low", "high"))
    if auroc is None:
        return fmt.DASH
    if low is None or high is None:
        return f"{auroc:.3f}"
    return f"{auroc:.3f} [{low:.3f}\u2013{high:.3f}]"


def _projection_row(name: str, block: dict[str, Any]) -> dict[str, str]:
    response = block.get("response") if isinstance(block.get("response"), dict) else {}
    return {
        "condition": name,
        "n_rows": fmt.count(block.get("n_rows")),
        "n": fmt.count(response.get("n")),
        "n_positive": fmt.count(response.get("n_positive")),
        "response": association(response),
        "prompt_last": association(block.get("prompt_last")),
    }


def projection(stats: Any) -> dict[str, Any] | None:
    """The "Inside the model" table from `projection_statistics` (None when the run has none): one row per
    condition and a pooled row over every labelled response."""
    if not isinstance(stats, dict) or not stats.get("by_condition"):
        return None
    label = str(stats.get("label") or "label")
    first = next((b for b in _dicts(stats.get("by_condition")) if isinstance(b.get("response"), dict)), {})
    return {
        "trait": str(stats.get("trait")),
        "layer": fmt.count(stats.get("layer")),
        "label": label,
        "label_words": LABEL_WORDS.get(label, label),
        "positive": POSITIVES.get(label, (f"{label} = 1", f"is graded {label} = 1")),
        "metric": "Spearman's \u03c1" if first.get("response", {}).get("metric") == "spearman" else "AUROC",
        "rows": [_projection_row(str(b.get("condition")), b) for b in _dicts(stats.get("by_condition"))],
        "pooled": _projection_row("all labelled responses", stats.get("labelled")
                                  if isinstance(stats.get("labelled"), dict) else {}),
    }
