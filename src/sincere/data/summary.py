"""The summary of a data audit, accumulated one row at a time (memory: a few numbers per example)."""

from __future__ import annotations

from array import array
from collections import Counter
from typing import Any

import numpy as np

from sincere.data.queries import QUERY_TYPES

LEVELS = ("low", "medium", "high")
MAX_FLAGGED_SHOWN = 300


def _shares(counts: Counter[str], total: int, order: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    keys = [k for k in order if counts.get(k)] + sorted(k for k in counts if k not in order)
    return [{"name": k, "count": counts[k], "share": round(counts[k] / total, 4) if total else 0.0} for k in keys]


def histogram(values: np.ndarray, bins: int = 12) -> list[dict[str, Any]]:
    """Equal-width bins over the values' range: [{low, high, count}]."""
    if len(values) == 0:
        return []
    counts, edges = np.histogram(values, bins=bins)
    return [{"low": round(float(a), 4), "high": round(float(b), 4), "count": int(c)}
            for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)]


def _describe(values: np.ndarray) -> dict[str, Any]:
    if len(values) == 0:
        return {"n": 0}
    p = np.percentile(values, [10, 25, 50, 75, 90])
    return {"n": int(len(values)), "mean": round(float(values.mean()), 4),
            **{f"p{q}": round(float(v), 4) for q, v in zip((10, 25, 50, 75, 90), p, strict=True)}}


def _method(how: str) -> str:
    """How a query type was decided, as a category: given, rule, nearest, or fallback."""
    for prefix in ("given", "rule", "nearest"):
        if how.startswith(prefix):
            return prefix
    return "fallback"


#: Warmth measures whose distributions a summary holds (`warmth`: tone rating; `sociot`: SocioT ratio).
WARMTH_MEASURES = ("warmth", "sociot")


class Tally:
    """Counts and distributions over the audited rows; `result()` is summary.json's body."""

    def __init__(self) -> None:
        self.n = 0
        self.counts: dict[str, Counter[str]] = {k: Counter() for k in (
            "format", "query_type", "query_how", "warmth_level", "flags", "claim_kind", "claim_stance",
            "correctness", "sycophancy", "query_by_level")}
        self.warmth = {name: array("d") for name in WARMTH_MEASURES}
        self.words = array("l")
        self.similarity = array("d")
        self.shares = Counter[str]()
        self.flagged: list[dict[str, Any]] = []
        self.n_flagged = 0

    def add(self, row: dict[str, Any]) -> None:
        """Count one audited row."""
        self.n += 1
        count = self.counts
        count["format"][row["format"]] += 1
        count["query_type"][row["query_type"]] += 1
        count["query_how"][_method(row["query_type_how"])] += 1
        count["warmth_level"][row["warmth_level"]] += 1
        count["query_by_level"][f"{row['query_type']}/{row['warmth_level']}"] += 1
        self.words.append(row["reply_words"])
        for name, values in self.warmth.items():
            if row.get(name) is not None:
                values.append(row[name])
        if row["claim"]:
            count["claim_kind"][row["claim"]["kind"]] += 1
            count["claim_stance"][row["claim"]["stance"]] += 1
        for key in ("correctness", "sycophancy"):
            if row[key]:
                count[key][row[key]["label"]] += 1
        if row["drift"] and row["drift"].get("similarity") is not None:
            self.similarity.append(row["drift"]["similarity"])
        self.shares.update(k for k in ("warmth_heavy", "accuracy_critical") if row[k])
        self.shares["warm_and_critical"] += bool(row["warmth_heavy"] and row["accuracy_critical"])
        self.shares["drifting"] += bool(row["drift"] and row["drift"]["reasons"])
        self.shares["with_original"] += bool(row["drift"])
        count["flags"].update(flag["flag"] for flag in row["flags"])
        if row["flags"]:
            self.n_flagged += 1
            if len(self.flagged) < MAX_FLAGGED_SHOWN:
                self.flagged.append(row)

    def result(self) -> dict[str, Any]:
        """The summary: distributions, shares, flag counts."""
        n, c = self.n, self.counts
        share = lambda k: round(self.shares[k] / n, 4) if n else 0.0  # noqa: E731
        return {
            "n_examples": n,
            "formats": dict(c["format"]),
            "query_types": _shares(c["query_type"], n, QUERY_TYPES),
            "query_type_decided_by": dict(c["query_how"]),
            "warmth_levels": _shares(c["warmth_level"], n, LEVELS),
            "mix": {k: v for k, v in sorted(c["query_by_level"].items())},
            **{name: {**_describe(np.asarray(values)), "histogram": histogram(np.asarray(values))}
               for name, values in self.warmth.items()},
            "reply_words": {**_describe(np.asarray(self.words, dtype=float)),
                            "histogram": histogram(np.asarray(self.words, dtype=float))},
            "shares": {"warmth_heavy": share("warmth_heavy"), "accuracy_critical": share("accuracy_critical"),
                       "warmth_heavy_and_accuracy_critical": share("warm_and_critical"),
                       "flagged": round(self.n_flagged / n, 4) if n else 0.0},
            "claims": {"kinds": dict(c["claim_kind"]), "stances": dict(c["claim_stance"])},
            "correctness": dict(c["correctness"]),
            "sycophancy": dict(c["sycophancy"]),
            "drift": {"with_original": self.shares["with_original"], "drifting": self.shares["drifting"],
                      "similarity": _describe(np.asarray(self.similarity))},
            "flags": dict(c["flags"].most_common()),
            "n_flagged": self.n_flagged,
        }
