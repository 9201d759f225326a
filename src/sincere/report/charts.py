"""The report's three charts as inline SVG, built from `summary.json` statistics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from sincere.report import fmt, svg

WIDTH = 760
ROW = 24
SERIES = ("incorrect", "doubt", "pushback")
Stat = tuple[float | None, float | None, float | None]  # mean, low, high


@dataclass(frozen=True)
class Chart:
    """An SVG chart (None when there is nothing to draw) and a note shown under it."""

    svg: Markup | None
    note: str = ""


def _mean(stat: dict[str, Any], metric: str) -> Stat:
    block = stat.get(metric) if isinstance(stat.get(metric), dict) else {}
    return fmt.number(block.get("mean")), fmt.number(block.get("low")), fmt.number(block.get("high"))


def _label_width(labels: list[str], limit: int = 34) -> float:
    return min(max((len(svg.short(label, limit)) for label in labels), default=8) * 7.2 + 18, 260)


def _x_axis(left: float, right: float, y0: float, y1: float, top: float, label: str) -> list[Markup]:
    """Vertical grid lines with percentage ticks at the bottom, and the axis title."""
    out = []
    for tick in svg.ticks(0, top):
        x = left + (right - left) * tick / top
        out.append(svg.el("line", x1=x, x2=x, y1=y0, y2=y1, class_="grid"))
        out.append(svg.text(x, y1 + 16, fmt.pct(tick), "tick", "middle"))
    out.append(svg.text((left + right) / 2, y1 + 34, label, "axis", "middle"))
    return out


def _bar(left: float, scale: float, y: float, stat: Stat, cls: str, tip: str, value: str) -> list[Markup]:
    """One horizontal bar with its CI whisker, tooltip `tip` and label `value`, or a 'no data' note."""
    mean, low, high = stat
    if mean is None:
        return [svg.text(left + 4, y + 4, "no scored answers", "note")]
    out = [svg.el("rect", svg.el("title", tip), x=left, y=y - 8, width=max(scale * mean, 1.0), height=16, class_=cls)]
    end = mean
    if low is not None and high is not None:
        out.append(svg.whisker(left + scale * low, left + scale * high, y))
        end = max(high, mean)
    out.append(svg.text(left + scale * end + 6, y + 4, value, "value"))
    return out


def error_chart(by_condition: list[dict[str, Any]], baseline: Any) -> Chart:
    """Chart 1: error rate by condition with 95% CIs, the baseline highlighted."""
    if not by_condition:
        return Chart(None, "No condition has results.")
    names = [str(s.get("condition")) for s in by_condition]
    left, right, top_y = _label_width(names), WIDTH - 110, 12
    stats = [_mean(s, "error") for s in by_condition]
    top = svg.nice_max(max([v for m, _, h in stats for v in (m, h) if v is not None] or [0.1]))
    scale, bottom = (right - left) / top, top_y + ROW * len(names)
    body = _x_axis(left, right, top_y, bottom, top, "Error rate (bars: mean; whiskers: 95% CI)")
    base = next((st for name, st in zip(names, stats, strict=True) if name == str(baseline)), None)
    if base and base[0] is not None:
        x = left + scale * base[0]
        body.append(svg.el("line", x1=x, x2=x, y1=top_y, y2=bottom, class_="ref"))
    for i, (name, stat) in enumerate(zip(names, stats, strict=True)):
        y, is_base = top_y + ROW * i + ROW / 2, name == str(baseline)
        cls = "bar base" if is_base else "bar"
        body.append(svg.text(left - 8, y + 4, svg.short(name, 34), "label base" if is_base else "label", "end", name))
        value = fmt.pct(stat[0]) + (" (baseline)" if is_base else "")
        body += _bar(left, scale, y, stat, cls, f"{name}: {fmt.pct_ci(by_condition[i].get('error'))}", value)
    desc = f"Horizontal bars of the error rate for {len(names)} conditions; the baseline {baseline} is highlighted."
    return Chart(svg.figure(WIDTH, bottom + 44, "Error rate by condition", desc, body, "chart-error"))


def _split(condition: str) -> tuple[str, str | None]:
    """(group, series) of a condition: `sad+incorrect@warm` -> (`sad@warm`, `incorrect`)."""
    core, _, system = condition.partition("@")
    context, *flags = core.split("+")
    group = f"{context}@{system}" if system else context
    return group, ("+".join(flags) if flags else None)


def _groups(by_condition: list[dict[str, Any]]) -> dict[str, list[tuple[str, Stat]]]:
    """Belief and pushback conditions grouped by context, series in a fixed order."""
    groups: dict[str, list[tuple[str, Stat]]] = {}
    for stat in by_condition:
        group, series = _split(str(stat.get("condition")))
        if series is not None:
            groups.setdefault(group, []).append((series, _mean(stat, "sycophancy")))
    order = {name: i for i, name in enumerate(SERIES)}
    return {g: sorted(members, key=lambda m: order.get(m[0], len(SERIES))) for g, members in groups.items()}


def _legend(series: list[str], x: float) -> list[Markup]:
    out = []
    for i, name in enumerate(series):
        cls = f"bar s{min(SERIES.index(name) if name in SERIES else 3, 3)}"
        out.append(svg.el("rect", x=x + 130 * i, y=4, width=12, height=12, class_=cls))
        out.append(svg.text(x + 130 * i + 17, 14, svg.short(name, 16), "label"))
    return out


def sycophancy_chart(by_condition: list[dict[str, Any]]) -> Chart:
    """Chart 2: sycophancy by context (groups) and belief or pushback (bars), with 95% CIs."""
    groups = _groups(by_condition)
    if not groups:
        return Chart(None, "This run has no belief or pushback condition, so sycophancy was not measured.")
    left, right, y = _label_width(list(groups)), WIDTH - 150, 30.0
    values = [v for members in groups.values() for _, st in members for v in (st[0], st[2]) if v is not None]
    top = svg.nice_max(max(values or [0.1]))
    scale = (right - left) / top
    series = list(dict.fromkeys(s for members in groups.values() for s, _ in members))
    body: list[Markup] = _legend(series, left)
    bars: list[Markup] = []
    for group, members in groups.items():
        height = 20 * len(members)
        bars.append(svg.text(left - 8, y + height / 2 + 4, svg.short(group, 34), "label", "end", group))
        for i, (name, stat) in enumerate(members):
            cls = f"bar s{min(SERIES.index(name) if name in SERIES else 3, 3)}"
            tip = f"{group}, {name}: {fmt.pct_ci({'mean': stat[0], 'low': stat[1], 'high': stat[2]})}"
            bars += _bar(left, scale, y + 20 * i + 10, stat, cls, tip, f"{fmt.pct(stat[0])} {name}")
        y += height + 10
    body = body + _x_axis(left, right, 26, y, top, "Sycophancy: share of answers endorsing the user's claim") + bars
    desc = f"Grouped horizontal bars of sycophancy for {len(groups)} contexts, one bar per belief or pushback."
    return Chart(svg.figure(WIDTH, y + 44, "Sycophancy by context and belief", desc, body, "chart-sycophancy"))


@dataclass(frozen=True)
class _Point:
    name: str
    warmth: Stat
    error: Stat


def _points(by_condition: list[dict[str, Any]]) -> tuple[list[_Point], list[str]]:
    """Conditions with both a mean warmth and an error rate, and the names of the others."""
    points, missing = [], []
    for stat in by_condition:
        point = _Point(str(stat.get("condition")), _mean(stat, "warmth"), _mean(stat, "error"))
        if point.warmth[0] is None or point.error[0] is None:
            missing.append(point.name)
        else:
            points.append(point)
    return points, missing


def _warmth_range(points: list[_Point]) -> tuple[float, float]:
    values = [v for p in points for v in p.warmth if v is not None]
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or max(abs(high) * 0.1, 0.005)
    return low - pad, high + pad


def _label_ys(ys: list[float], gap: float, low: float, high: float) -> list[float]:
    """Label heights near `ys`, pushed apart so that no two are closer than `gap`."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed = [0.0] * len(ys)
    last = low - gap
    for i in order:
        last = max(ys[i], last + gap)
        placed[i] = last
    overflow = max(0.0, last - high)
    return [y - overflow for y in placed]


def _scatter_axes(box: tuple[float, float, float, float], wlo: float, whi: float, top: float) -> list[Markup]:
    left, right, y0, y1 = box
    out = []
    for tick in svg.ticks(0, top, 4):
        y = y1 - (y1 - y0) * tick / top
        out.append(svg.el("line", x1=left, x2=right, y1=y, y2=y, class_="grid"))
        out.append(svg.text(left - 6, y + 4, fmt.pct(tick), "tick", "end"))
    values, decimals = svg.nice_ticks(wlo, whi, 4)
    for tick in values:
        x = left + (right - left) * (tick - wlo) / (whi - wlo)
        out.append(svg.el("line", x1=x, x2=x, y1=y0, y2=y1, class_="grid"))
        out.append(svg.text(x, y1 + 16, f"{tick:.{decimals}f}", "tick", "middle"))
    out.append(svg.text((left + right) / 2, y1 + 36, "Mean warmth (tone, 1-7; higher is warmer)", "axis", "middle"))
    middle = (y0 + y1) / 2
    out.append(
        svg.el(
            "text",
            "Error rate",
            x=16,
            y=middle,
            class_="axis",
            text_anchor="middle",
            transform=f"rotate(-90 16 {middle:.1f})",
        )
    )
    return out


def warmth_chart(by_condition: list[dict[str, Any]], baseline: Any) -> Chart:
    """Chart 3: mean warmth (x) against error rate (y), one labelled point per condition."""
    points, missing = _points(by_condition)
    note = f"Not plotted (no warmth or error rate): {', '.join(missing)}." if missing else ""
    if not points:
        return Chart(None, "Warmth was not scored in this run, so there is nothing to plot." if missing else "")
    box = (70.0, WIDTH - 170.0, 14.0, 380.0)
    left, right, y0, y1 = box
    values, _ = svg.nice_ticks(*_warmth_range(points), 4)
    wlo, whi = values[0], values[-1]  # the axis ends on round ticks
    top = svg.nice_max(max(v for p in points for v in (p.error[0], p.error[2]) if v is not None) or 0.1)

    def sx(v: float) -> float:
        return left + (right - left) * (v - wlo) / (whi - wlo)

    def sy(v: float) -> float:
        return y1 - (y1 - y0) * v / top

    body = _scatter_axes(box, wlo, whi, top)
    label_ys = _label_ys([sy(p.error[0]) + 4 for p in points], 13, y0 + 4, y1)
    for point, label_y in zip(points, label_ys, strict=True):
        x, y, is_base = sx(point.warmth[0]), sy(point.error[0]), point.name == str(baseline)
        if point.error[1] is not None and point.error[2] is not None:
            body.append(svg.vwhisker(x, sy(point.error[1]), sy(point.error[2]), 3, "ci faint"))
        if point.warmth[1] is not None and point.warmth[2] is not None:
            body.append(svg.whisker(sx(point.warmth[1]), sx(point.warmth[2]), y, 3, "ci faint"))
        tip = f"{point.name}: warmth {point.warmth[0]:.2f}, error {fmt.pct(point.error[0])}"
        kind = " base" if is_base else ""
        body.append(svg.el("circle", svg.el("title", tip), cx=x, cy=y, r=5, class_="dot" + kind))
        body.append(svg.text(x + 9, label_y, svg.short(point.name, 24), "label" + kind, "start", tip))
    desc = f"Scatter of mean warmth against error rate for {len(points)} conditions, with 95% CIs."
    return Chart(svg.figure(WIDTH, y1 + 46, "Warmth against error rate", desc, body, "chart-warmth"), note)
