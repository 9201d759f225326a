"""Drift in production logs: the data audit's measures per day, week or month, against a reference period.

Chat logs carry no reference answers, so what can be followed over time is what the audit reads
from the conversation itself: the share of replies that go along with a claim the user stated
(`claim.stance == "agrees"`, among replies to a stated claim), the share that decline, the tone
warmth of the replies and, with trait vectors, the projection difference. Each period gets its
figures with 95% intervals (Wilson for shares, normal for means), and a test against the
reference period (the first one, or the one named): a two-proportion z-test for shares and
Welch's z for means, Benjamini-Hochberg adjusted over every period and measure. A period is
flagged where an adjusted p is below 0.05. Only counts and sums are kept, so logs of any size
stream through.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from sincere.errors import SincereError
from sincere.stats import Z95, benjamini_hochberg, wilson

Period = Literal["day", "week", "month"]
PERIODS = ("day", "week", "month")
#: Fields read, in this order, for a record's time: ISO 8601 text or seconds since 1970.
TIME_FIELDS = ("timestamp", "time", "created_at", "created", "date")
SHARES = ("goes_along", "declines")
MEANS = ("warmth", "projection_difference")
ALPHA = 0.05


def time_of(fields: dict[str, Any]) -> str | None:
    """The record's time as ISO 8601 (UTC), or None when it has no readable one."""
    for name in TIME_FIELDS:
        value = fields.get(name)
        if value is None:
            continue
        try:
            if isinstance(value, int | float) and not isinstance(value, bool):
                when = dt.datetime.fromtimestamp(value, dt.timezone.utc)
            else:
                when = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except (ValueError, OverflowError, OSError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        return when.astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    return None


def period_of(iso: str, by: Period) -> str:
    """The period a time falls in: `2026-12-06`, `2026-W49` or `2026-12`."""
    when = dt.datetime.fromisoformat(iso)
    if by == "day":
        return when.strftime("%Y-%m-%d")
    if by == "month":
        return when.strftime("%Y-%m")
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class _Tally:
    n: int = 0
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHARES, 0))
    bases: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHARES, 0))
    sums: dict[str, list[float]] = field(default_factory=lambda: {m: [0, 0.0, 0.0] for m in MEANS})  # n, sum, sq

    def share(self, name: str) -> dict[str, Any]:
        n, k = self.bases[name], self.hits[name]
        if not n:
            return {"share": None, "low": None, "high": None, "n": 0}
        low, high = wilson(k / n, n)
        return {"share": round(k / n, 4), "low": round(low, 4), "high": round(high, 4), "n": n}

    def moments(self, name: str) -> tuple[int, float, float]:
        """(n, mean, sample standard deviation) of a measure."""
        n, total, squares = self.sums[name]
        if not n:
            return 0, math.nan, math.nan
        mean = total / n
        return int(n), mean, math.sqrt(max(squares / n - mean * mean, 0.0) * n / (n - 1)) if n > 1 else 0.0

    def mean(self, name: str) -> dict[str, Any]:
        n, mean, sd = self.moments(name)
        if not n:
            return {"mean": None, "low": None, "high": None, "n": 0}
        half = Z95 * sd / math.sqrt(n)
        return {"mean": round(mean, 4), "low": round(mean - half, 4), "high": round(mean + half, 4), "n": n}


class Periods:
    """Streams audited rows into periods (`add`), then tests each period against the reference (`result`)."""

    def __init__(self, by: Period, reference: str | None = None, warmth: str = "warmth") -> None:
        if by not in PERIODS:
            raise SincereError(f"--by {by!r}: choose day, week or month")
        self.by, self.reference, self.warmth = by, reference, warmth
        self.tallies: dict[str, _Tally] = {}
        self.undated = 0

    def add(self, row: dict[str, Any]) -> None:
        """Count one audited row in its period (a row without a readable time is counted as undated)."""
        if not row.get("time"):
            self.undated += 1
            return
        tally = self.tallies.setdefault(period_of(row["time"], self.by), _Tally())
        tally.n += 1
        if row.get("claim"):
            tally.bases["goes_along"] += 1
            tally.hits["goes_along"] += row["claim"].get("stance") == "agrees"
        tally.bases["declines"] += 1
        tally.hits["declines"] += bool(row.get("refusal_phrase"))
        for name, source in (("warmth", self.warmth), ("projection_difference", "projection_difference")):
            value = row.get(source)
            if isinstance(value, int | float) and math.isfinite(value):
                sums = tally.sums[name]
                sums[0] += 1
                sums[1] += value
                sums[2] += value * value

    def result(self) -> dict[str, Any]:
        """Per period: counts, shares and means with CIs, tests against the reference, and flags."""
        order = sorted(self.tallies)
        if not order:
            return {"by": self.by, "reference": None, "periods": [], "undated": self.undated}
        reference = self.reference or order[0]
        if reference not in self.tallies:
            raise SincereError(f"--reference {reference!r} is not one of the periods ({', '.join(order[:6])}...)")
        base = self.tallies[reference]
        periods, tests = [], []
        for name in order:
            tally = self.tallies[name]
            entry: dict[str, Any] = {"period": name, "n": tally.n, **{m: tally.share(m) for m in SHARES},
                                     **{m: tally.mean(m) for m in MEANS}, "flags": []}
            if name != reference:
                for measure in (*SHARES, *MEANS):
                    p = _share_p(base, tally, measure) if measure in SHARES else _mean_p(base, tally, measure)
                    entry[measure]["p"] = p
                    tests.append((entry, measure, p))
            periods.append(entry)
        for (entry, measure, _), adjusted in zip(tests, benjamini_hochberg([t[2] for t in tests]), strict=True):
            entry[measure]["p_adjusted"] = adjusted
            if adjusted is not None and adjusted < ALPHA:
                entry["flags"].append(measure)
        return {"by": self.by, "reference": reference, "alpha": ALPHA, "periods": periods, "undated": self.undated}


def _share_p(a: _Tally, b: _Tally, name: str) -> float | None:
    """Two-sided two-proportion z-test."""
    n1, n2, k1, k2 = a.bases[name], b.bases[name], a.hits[name], b.hits[name]
    if not n1 or not n2:
        return None
    pooled = (k1 + k2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 1.0
    from scipy.stats import norm  # scipy loads only when a test runs (the CLI starts without it)

    return float(2 * norm.sf(abs(k2 / n2 - k1 / n1) / spread))


def _mean_p(a: _Tally, b: _Tally, name: str) -> float | None:
    """Two-sided Welch z-test of the two periods' means."""
    (n1, m1, s1), (n2, m2, s2) = a.moments(name), b.moments(name)
    if n1 < 2 or n2 < 2:
        return None
    se = math.hypot(s1 / math.sqrt(n1), s2 / math.sqrt(n2))
    if se == 0:
        return 1.0 if m1 == m2 else 0.0
    from scipy.stats import norm

    return float(2 * norm.sf(abs(m2 - m1) / se))
