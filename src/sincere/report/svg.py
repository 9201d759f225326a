"""A few escaped SVG building blocks: every text and attribute value goes through `markupsafe.escape`."""

from __future__ import annotations

import math
import re
from typing import Any

from markupsafe import Markup, escape

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: Any) -> str:
    """Text safe to place in HTML: C0/C1 controls and DEL dropped, lone surrogates replaced."""
    return _UNSAFE.sub(lambda m: "" if m.group() < "\ud800" else "\ufffd", str(text))


def _attrs(attrs: dict[str, Any]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = f"{value:.1f}"
        parts.append(f' {key.rstrip("_").replace("_", "-")}="{escape(clean(value))}"')
    return "".join(parts)


def el(tag: str, *children: Any, **attrs: Any) -> Markup:
    """An element; children that are not `Markup` are escaped as text."""
    inner = "".join(c if isinstance(c, Markup) else str(escape(clean(c))) for c in children if c is not None)
    return Markup(f"<{tag}{_attrs(attrs)}>{inner}</{tag}>")


def text(x: float, y: float, label: Any, cls: str = "", anchor: str = "start", title: Any = None) -> Markup:
    """A text label, with a tooltip (`<title>`) when `title` is given."""
    tip = el("title", title) if title is not None else None
    return el("text", tip, label, x=x, y=y, class_=cls or None, text_anchor=anchor)


def short(label: Any, limit: int) -> str:
    """`label` cut to `limit` characters with an ellipsis."""
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"


def nice_max(value: float, cap: float | None = 1.0) -> float:
    """A round upper bound for an axis starting at 0 (steps of 1, 2, 2.5 or 5 times a power of ten)."""
    value = max(value, 1e-9)
    power = 10 ** math.floor(math.log10(value))
    top = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value * 1.02)
    return min(top, cap) if cap is not None else top


def nice_ticks(low: float, high: float, count: int = 4) -> tuple[list[float], int]:
    """About `count` round tick values (multiples of 1, 2, 2.5 or 5 times a power of ten) spanning
    [low, high], from one at or below `low` to one at or above `high`, and the decimals they need."""
    span = max(high - low, 1e-9)
    power = 10 ** math.floor(math.log10(span / count))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if span / (m * power) <= count)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (1 if round(step / power, 6) == 2.5 else 0)
    return [round(k * step, decimals + 2) for k in range(first, last + 1)], decimals


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Evenly spaced tick values from `low` to `high` inclusive."""
    if high <= low:
        return [low]
    return [low + (high - low) * i / count for i in range(count + 1)]


def whisker(x1: float, x2: float, y: float, cap: float = 4.0, cls: str = "ci") -> Markup:
    """A horizontal confidence interval from x1 to x2 with end caps."""
    path = f"M{x1:.1f},{y - cap:.1f}V{y + cap:.1f}M{x1:.1f},{y:.1f}H{x2:.1f}M{x2:.1f},{y - cap:.1f}V{y + cap:.1f}"
    return el("path", d=path, class_=cls)


def vwhisker(x: float, y1: float, y2: float, cap: float = 4.0, cls: str = "ci") -> Markup:
    """A vertical confidence interval from y1 to y2 with end caps."""
    path = f"M{x - cap:.1f},{y1:.1f}H{x + cap:.1f}M{x:.1f},{y1:.1f}V{y2:.1f}M{x - cap:.1f},{y2:.1f}H{x + cap:.1f}"
    return el("path", d=path, class_=cls)


def figure(width: float, height: float, title: str, desc: str, body: list[Markup], chart_id: str) -> Markup:
    """The `<svg>` root: scalable, with an accessible title and description."""
    return el(
        "svg",
        el("title", title, id=f"{chart_id}-title"),
        el("desc", desc, id=f"{chart_id}-desc"),
        Markup("".join(body)),
        id=chart_id,
        class_="chart",
        viewBox=f"0 0 {width:.0f} {height:.0f}",
        width=f"{width:.0f}",
        height=f"{height:.0f}",
        role="img",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc",
        preserveAspectRatio="xMinYMin meet",
    )
