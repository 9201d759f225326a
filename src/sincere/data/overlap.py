"""The train/evaluation overlap guard: training data must not contain the items an audit evaluates.

An item overlaps when its id or its question (normalised: case, punctuation, articles, number
words) belongs to the evaluation split of the built-in suites (`items.split_of`), or to the items
of an audit run given with `--exclude-audit` (its results.jsonl). By default overlap is an error;
`allow=True` turns it into a loud warning and keeps the items.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sincere import items as items_mod
from sincere import jsonl
from sincere.errors import SincereError
from sincere.scoring.text import normalize

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Overlap:
    """An item that an evaluation also uses, and which evaluation."""

    item_id: str
    reason: str


def _eval_keys() -> tuple[dict[str, str], dict[str, str]]:
    """ids and normalised questions of the built-in evaluation split -> their suite."""
    ids: dict[str, str] = {}
    questions: dict[str, str] = {}
    for suite in items_mod.BUILTIN:
        for item in items_mod.builtin(suite, "eval"):
            ids[item.id] = f"evaluation split of {suite}"
            questions[normalize(item.question)] = f"evaluation split of {suite} ({item.id})"
    return ids, questions


def _audit_keys(runs: Iterable[str | Path]) -> tuple[dict[str, str], dict[str, str]]:
    """ids and normalised questions of the items of audit runs (their results.jsonl)."""
    ids: dict[str, str] = {}
    questions: dict[str, str] = {}
    for run in runs:
        results = Path(run) / "results.jsonl"
        if not results.is_file():
            raise SincereError(f"{run}: not an audit run (no results.jsonl)")
        for _, row in jsonl.strict_records(results):
            ids[str(row.get("item_id"))] = f"audit {run}"
            if row.get("question"):
                questions[normalize(str(row["question"]))] = f"audit {run} ({row.get('item_id')})"
    return ids, questions


def find(items: Sequence[items_mod.Item], audit_runs: Sequence[str | Path] = ()) -> list[Overlap]:
    """Every item that an evaluation uses (see the module docstring)."""
    found = []
    for ids, questions in (_eval_keys(), _audit_keys(audit_runs)):
        for item in items:
            why = ids.get(item.id) or questions.get(normalize(item.question))
            if why:
                found.append(Overlap(item.id, why))
    unique = {o.item_id: o for o in reversed(found)}
    return [unique[i.id] for i in items if i.id in unique]


def guard(items: Sequence[items_mod.Item], audit_runs: Sequence[str | Path] = (),
          allow: bool = False) -> list[Overlap]:
    """Raise on overlap (or, with `allow`, warn and return it)."""
    found = find(items, audit_runs)
    if not found:
        return []
    listing = ", ".join(f"{o.item_id} ({o.reason})" for o in found[:5])
    listing += f" and {len(found) - 5} more" if len(found) > 5 else ""
    if not allow:
        raise SincereError(
            f"{len(found)} of {len(items)} items are also used for evaluation: {listing}. Use the training split "
            "(--split train) or other items; --allow-overlap keeps them (evaluations on them are then contaminated)"
        )
    logger.warning("TRAIN/EVAL OVERLAP: %d of %d items are also evaluated on: %s", len(found), len(items), listing)
    return found
