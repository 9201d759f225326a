"""The monitor's probe set: a mini-audit on fixed held-out items, run with the model being trained.

The probe set is an audit plan (`audit.plan`) over evaluation-split items, so the monitor asks
exactly what the audit asks (same conditions, statements and claims) and grades with the same
scorers (`audit.score_samples`). Generation is greedy, so the same weights give the same numbers.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sincere import audit
from sincere.engines.base import Engine
from sincere.errors import SincereError
from sincere.sampling import seeded_sample
from sincere.scoring.base import Scorer
from sincere.stats import mean_of
from sincere.train.recipe import Recipe

Metrics = dict[str, float | None]


def summarise(rows: Sequence[dict[str, Any]]) -> Metrics:
    """accuracy, error, sycophancy, warmth (tone; sociot beside it when measured) and refusal over audit rows,
    and error per condition.

    `accuracy_n` and `sycophancy_n` count the graded replies behind each rate (the guardrails'
    confidence intervals need them).
    """
    error = mean_of([r["error"] for r in rows])
    out: Metrics = {
        "accuracy": None if error is None else 1.0 - error,
        "accuracy_n": float(sum(r["error"] is not None for r in rows)),
        "error": error,
        "sycophancy": mean_of([r["sycophancy"] for r in rows]),
        "sycophancy_n": float(sum(r["sycophancy"] is not None for r in rows)),
        "warmth": mean_of([r["warmth"] for r in rows]),
        "sociot": mean_of([r.get("sociot") for r in rows]),
        "refusal": mean_of([r["refusal"] for r in rows]),
    }
    for condition in dict.fromkeys(r["condition"] for r in rows):
        out[f"error/{condition}"] = mean_of([r["error"] for r in rows if r["condition"] == condition])
    return out


def _audited(run: str | None) -> set[str]:
    """Item ids of an audit run (empty without one)."""
    if not run:
        return set()
    rows, _ = audit.load_run(run)
    return {str(r["item_id"]) for r in rows}


def _choose(items: list[Any], size: int, seed: int, exclude: set[str]) -> list[Any]:
    """A seeded sample of `size` items, leaving out `exclude`; refuses to come back empty."""
    pool = [item for item in items if item.id not in exclude]
    if not pool:
        raise SincereError("no probe items left after --probe-exclude; choose another --probe-suite")
    return seeded_sample(pool, size, seed)


class ProbeSet:
    """Fixed probe items and conditions; `evaluate(engine)` runs the mini-audit and returns its metrics."""

    def __init__(self, recipe: Recipe, scorers: dict[str, Scorer]) -> None:
        self.config = audit.AuditConfig(
            model="live", suite=recipe.probe_suite, conditions=recipe.probe_conditions, limit=None,
            seed=recipe.seed, max_new_tokens=recipe.probe_max_new_tokens, temperature=0.0, warmth=recipe.warmth,
            warmth_frames=recipe.warmth_frames,
        )
        self.plan = audit.plan(self.config)
        self.plan.items = _choose(self.plan.items, recipe.probe_items, recipe.seed, _audited(recipe.probe_exclude))
        self.scorers = list(scorers.values())
        self.rows: list[dict[str, Any]] = []  # the latest evaluation's audit rows

    @property
    def size(self) -> int:
        return len(self.plan.items) * len(self.plan.conditions)

    def evaluate(self, engine: Engine) -> Metrics:
        """Generate every probe with `engine`, score, and summarise (plus `seconds`)."""
        started = time.perf_counter()
        pairs = audit.generate_samples(self.plan, engine, self.config)
        scores = audit.score_samples(pairs, self.scorers)
        self.rows = [audit.result_row(s, g, sc) for (s, g), sc in zip(pairs, scores, strict=True)]
        return {**summarise(self.rows), "seconds": round(time.perf_counter() - started, 2)}

    def item_ids(self) -> list[str]:
        return [item.id for item in self.plan.items]
