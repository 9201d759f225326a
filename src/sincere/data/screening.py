"""`data audit --vectors`: screen each example by its projection difference on a trait direction.

The projection difference (see `sincere.vectors.screen`) is the projection of the dataset's final
assistant turn minus that of the model's own reply to the same prompt; a positive one means
training on the example moves the model toward the trait. The audit computes it a chunk at a
time in its first pass (`Screener`), then flags the top share of all examples in its second pass
(`Screening`), once every difference is known. The model's replies go through the generation
cache, so a killed audit resumes without generating them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sincere.data.formats import Example

FLAG = "projection"
FIELDS = ("projection_dataset", "projection_own", "projection_difference")
SKIPPED = "no prompt before the final assistant turn"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 5)


class Screener:
    """Per-example projection fields for chunks of examples (the first pass of the audit).

    Loads the vectors and the model at construction, so a missing or unfitting vectors file fails
    before any work is done.
    """

    def __init__(self, path: str | Path, model: str | None = None, max_new_tokens: int = 64) -> None:
        from sincere.engines import GenParams
        from sincere.vectors.screen import load_screen_engine, model_for
        from sincere.vectors.store import load

        self.path = str(path)
        self.vectors = load(path)
        self.model = model_for(self.vectors, model)
        self.engine = load_screen_engine(self.vectors, self.model)
        self.params = GenParams(max_new_tokens=max_new_tokens)

    def __call__(self, examples: Sequence[Example]) -> list[dict[str, Any]]:
        """`projection_*` fields per example; all None with `projection_skipped` for one without a reply."""
        from sincere.vectors.screen import screen_engine, screenable

        fields: list[dict[str, Any]] = [{**dict.fromkeys(FIELDS), "projection_skipped": SKIPPED} for _ in examples]
        picked = [i for i, example in enumerate(examples) if screenable(example.messages)]
        if not picked:
            return fields
        rows = screen_engine(self.engine, [list(examples[i].messages) for i in picked], self.vectors,
                             share=0.0, params=self.params)
        for i, row in zip(picked, rows, strict=True):
            fields[i] = {"projection_dataset": _round(row.dataset), "projection_own": _round(row.own),
                         "projection_difference": _round(row.difference), "projection_skipped": None}
        return fields

    def describe(self) -> dict[str, Any]:
        """What the summary records about the screening: file, model, trait, layer, reply length."""
        return {"vectors": self.path, "model": self.model, "trait": self.vectors.trait, "layer": self.vectors.layer,
                "max_new_tokens": self.params.max_new_tokens}


class Screening:
    """The second pass: flag the examples at or above the cut, and summarise the differences."""

    def __init__(self, about: dict[str, Any], differences: Sequence[float | None], share: float) -> None:
        from sincere.vectors.screen import threshold

        self.about = about
        self.share = share
        self.threshold = threshold(differences, share)
        self.rows: list[Any] = []
        self.skipped = 0

    def flag(self, row: dict[str, Any]) -> dict[str, str] | None:
        """{flag, reason} when the example is among the top share of projection differences."""
        difference = row.get("projection_difference")
        if self.threshold is None or difference is None or difference < self.threshold:
            return None
        return {"flag": FLAG, "reason": f"pushes toward {self.about['trait']} (projection {difference:+.2f})"}

    def add(self, row: dict[str, Any]) -> None:
        """Count one flagged-and-final row."""
        from sincere.vectors.screen import ScreenRow

        if row.get("projection_skipped"):
            self.skipped += 1
            return
        flagged = any(f["flag"] == FLAG for f in row["flags"])
        self.rows.append(ScreenRow(row["index"], row["projection_dataset"], row["projection_own"],
                                   row["projection_difference"], flagged))

    def result(self) -> dict[str, Any]:
        """summary.json's `projection` block: settings, mean difference with its 95% CI, flag count."""
        from sincere.vectors.screen import summarise

        return {**self.about, "share": self.share, "threshold": self.threshold, **summarise(self.rows),
                "n_skipped": self.skipped}
