"""Compare two audit runs of the same items (e.g. a warm fine-tune against its original)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sincere import stats
from sincere.audit import load_run
from sincere.errors import SincereError


def compare(run_a: str | Path, run_b: str | Path) -> dict[str, Any]:
    """Paired tests per condition on shared (item, condition) pairs and the study's regression."""
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
        for outcome in ("error", "sycophancy")
    }
    regressions = {
        outcome: stats.marginal_effects(rows_a, rows_b, outcome=outcome, cluster="item_id")
        for outcome in ("error", "sycophancy")
    }
    return {
        "run_a": {"path": str(run_a), "model": summary_a["config"]["model"]},
        "run_b": {"path": str(run_b), "model": summary_b["config"]["model"]},
        "n_shared_pairs": len(shared),
        "n_shared_items": len({item for item, _ in shared}),
        "paired": paired,
        "marginal_effects": regressions,
    }
