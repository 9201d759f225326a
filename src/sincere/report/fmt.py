"""Number formatting shared by the headline, the tables and the charts."""

from __future__ import annotations

import math
from typing import Any

DASH = "\u2014"


def number(value: Any) -> float | None:
    """`value` as a finite float, or None (missing, NaN, infinite or not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def pct(value: Any, digits: int = 0) -> str:
    """A rate in [0, 1] as a percentage, e.g. `22%`; a dash when missing."""
    value = number(value)
    return DASH if value is None else f"{100 * value:.{digits}f}%"


def pct_ci(stat: Any) -> str:
    """`22% [18–26]` from a {mean, low, high} dict; a dash when the mean is missing."""
    stat = stat if isinstance(stat, dict) else {}
    mean, low, high = (number(stat.get(k)) for k in ("mean", "low", "high"))
    if mean is None:
        return DASH
    if low is None or high is None:
        return pct(mean)
    return f"{pct(mean)} [{100 * low:.0f}\u2013{100 * high:.0f}]"


def value_ci(stat: Any, digits: int = 4) -> str:
    """`0.0123 [0.0101–0.0145]` for an unbounded mean such as warmth; a dash when missing."""
    stat = stat if isinstance(stat, dict) else {}
    mean, low, high = (number(stat.get(k)) for k in ("mean", "low", "high"))
    if mean is None:
        return DASH
    if low is None or high is None:
        return f"{mean:.{digits}f}"
    between = " to " if low < 0 or high < 0 else "\u2013"  # "-0.02–-0.01" reads as a subtraction
    return f"{mean:.{digits}f} [{low:.{digits}f}{between}{high:.{digits}f}]"


def pp(value: Any) -> str:
    """A difference in percentage points with its sign, e.g. `+19.0 pp`."""
    value = number(value)
    return DASH if value is None else f"{value:+.1f} pp"


def p_value(value: Any) -> str:
    """A p-value with three decimals, `<0.001` below that; a dash when missing."""
    value = number(value)
    if value is None:
        return DASH
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def p_phrase(value: Any, name: str = "p") -> str:
    """`p = 0.012` or `p < 0.001` (never `p = <0.001`); a dash when missing."""
    shown = p_value(value)
    return shown if shown == DASH else f"{name} < 0.001" if shown.startswith("<") else f"{name} = {shown}"


def count(value: Any) -> str:
    """An integer count, a dash when missing."""
    value = number(value)
    return DASH if value is None else f"{int(value):,}"


def duration(seconds: Any) -> str:
    """`1 h 02 min`, `3 min 05 s` or `42.0 s`; a dash when missing."""
    seconds = number(seconds)
    if seconds is None:
        return DASH
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
