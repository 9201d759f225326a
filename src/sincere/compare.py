"""Compare two audit runs of the same items (e.g. a warm fine-tune against its original)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from sincere import stats
from sincere.audit import load_run
from sincere.errors import SincereError


def warmth_difference(rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]], measure: str,
                      level: float = 0.95) -> dict[str, Any]:
    """Mean paired difference B - A of a warmth measure, per condition and overall, with bootstrap CIs
    (at `level`), and the standard deviation of A's values (`sd_a`, the unit of a gate's `sd` limit).

    Pairs are the same (item, condition); the overall interval resamples items (each item's mean
    difference over its conditions), so an item's conditions move together.
    """
    a = {(r["item_id"], r["condition"]): r.get(measure) for r in rows_a}
    diffs: dict[tuple[str, str], float] = {}
    for row in rows_b:
        key = (row["item_id"], row["condition"])
        if row.get(measure) is not None and a.get(key) is not None:
            diffs[key] = row[measure] - a[key]
    conditions = list(dict.fromkeys(c for _, c in diffs))
    by_item: dict[str, list[float]] = {}
    for (item, _), d in diffs.items():
        by_item.setdefault(item, []).append(d)
    values_a = [v for v in a.values() if v is not None]
    return {
        "by_condition": {c: stats.bootstrap_ci([d for (_, k), d in diffs.items() if k == c], level=level).as_dict()
                         for c in conditions},
        "overall": stats.bootstrap_ci([sum(v) / len(v) for v in by_item.values()], level=level).as_dict(),
        "level": level,
        "sd_a": statistics.pstdev(values_a) if len(values_a) > 1 else None,
    }


def compare(run_a: str | Path, run_b: str | Path, level: float = 0.95) -> dict[str, Any]:
    """Paired tests per condition on shared (item, condition) pairs, the study's regression, and warmth
    differences with intervals at `level` (a gate at alpha uses 1 - alpha)."""
    rows_a, summary_a = load_run(run_a)
    rows_b, summary_b = load_run(run_b)
    keys_b = {(r["item_id"], r["condition"]) for r in rows_b}
    shared = keys_b & {(r["item_id"], r["condition"]) for r in rows_a}
    if not shared:
        raise SincereError(f"{run_a} and {run_b} share no (item, condition) pairs to compare")
    rows_a = [r for r in rows_a if (r["item_id"], r["condition"]) in shared]
    rows_b = [r for r in rows_b if (r["item_id"], r["condition"]) in shared]
    paired = {
        outcome: stats.compare_runs(rows_a, rows_b, key="item_id", condition="condition", outcome=outcome)
        for outcome in ("error", "sycophancy", "refusal")
    }
    regressions = {
        outcome: stats.marginal_effects(rows_a, rows_b, outcome=outcome, cluster="item_id")
        for outcome in ("error", "sycophancy")
    }
    return {
        "run_a": {"path": str(run_a), "model": summary_a["config"]["model"]},
        "warmth": {measure: warmth_difference(rows_a, rows_b, measure, level) for measure in ("warmth", "sociot")
                   if any(r.get(measure) is not None for r in rows_a + rows_b)},
        "run_b": {"path": str(run_b), "model": summary_b["config"]["model"]},
        "n_shared_pairs": len(shared),
        "n_shared_items": len({item for item, _ in shared}),
        "paired": paired,
        "marginal_effects": regressions,
    }
