"""Every report chart as inline SVG: the audit's three (from `summary.json` statistics), the watch
history's series over runs, and the training run's lines over steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from sincere.report import fmt, svg

WIDTH = 760
ROW = 24
SERIES = ("incorrect", "doubt", "pushback")
Stat = tuple[float | None, float | None, float | None]  # mean, low, high
#: The frame of the series and line charts: width, height and the margins left, right, top, bottom.
S_WIDTH, S_HEIGHT, S_LEFT, S_RIGHT, S_TOP, S_BOTTOM = 720.0, 200.0, 56.0, 16.0, 14.0, 34.0


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


def series_chart(entries: list[dict[str, Any]], metric: str, title: str) -> Markup | None:
    """One outcome over the runs: a point and CI whisker per reached run, red where the gate failed, a grey
    cross where the endpoint was unreachable; None when no run measured it."""
    points = [(i, e, (e.get("metrics") or {}).get(metric) or {}) for i, e in enumerate(entries)]
    measured = [(i, e, s) for i, e, s in points if s.get("mean") is not None]
    if not measured:
        return None
    rate = metric != "warmth"
    marks, _ = svg.nice_ticks(0.0, max(max(s["high"] for _, _, s in measured), 0.05), 4) if rate else \
        svg.nice_ticks(1.0, 7.0, 6)
    low, high = marks[0], marks[-1]
    x = lambda i: S_LEFT + (S_WIDTH - S_LEFT - S_RIGHT) * (i + 0.5) / len(entries)  # noqa: E731
    y = lambda v: S_TOP + (S_HEIGHT - S_TOP - S_BOTTOM) * (1 - (v - low) / (high - low))  # noqa: E731
    parts = []
    for tick in marks:
        parts.append(svg.el("line", x1=S_LEFT, x2=S_WIDTH - S_RIGHT, y1=y(tick), y2=y(tick), class_="grid"))
        parts.append(svg.text(S_LEFT - 6, y(tick) + 4, fmt.pct(tick) if rate else f"{tick:g}", "tick", "end"))
    path = " ".join(f"{'M' if k == 0 else 'L'}{x(i):.1f},{y(s['mean']):.1f}" for k, (i, _, s) in enumerate(measured))
    parts.append(svg.el("path", d=path, class_="trend"))
    for i, entry in enumerate(entries):
        parts.append(svg.text(x(i), S_HEIGHT - S_BOTTOM + 16, entry["run"], "tick", "middle",
                              title=entry.get("started")))
        if entry["status"] == "unreachable":
            parts.append(svg.text(x(i), y((low + high) / 2), "\u00d7", "down", "middle", title="endpoint unreachable"))
    for i, entry, stat in measured:
        cls = "bad" if entry["status"] == "regressed" else "point"
        shown = fmt.pct_ci(stat) if rate else f"{stat['mean']:.2f} [{stat['low']:.2f}, {stat['high']:.2f}]"
        tip = f"run {entry['run']} ({entry.get('started')}): {shown}, {entry['status']}"
        parts.append(svg.el("line", x1=x(i), x2=x(i), y1=y(stat["low"]), y2=y(stat["high"]), class_="whisker"))
        parts.append(svg.el("circle", svg.el("title", tip), cx=x(i), cy=y(stat["mean"]), r=4.5, class_=cls))
    return svg.el("svg", *parts, viewBox=f"0 0 {S_WIDTH:.0f} {S_HEIGHT:.0f}", role="img", aria_label=title,
              class_="chart")


def line_chart(series: dict[str, list[tuple[float, float | None]]], title: str, chart_id: str,
               marks: dict[str, float] | None = None, y_range: tuple[float, float] | None = None) -> Chart:
    """Lines over the training step, one per series (at most four colours, then repeated), with points, a
    legend, and dashed horizontal `marks` (e.g. an accuracy floor); a note instead when nothing was logged."""
    drawn = {name: [(x, y) for x, y in points if y is not None] for name, points in series.items()}
    drawn = {name: points for name, points in drawn.items() if points}
    if not drawn:
        return Chart(None, "Nothing was logged for this chart.")
    xs = [x for points in drawn.values() for x, _ in points]
    ys = [y for points in drawn.values() for _, y in points] + list((marks or {}).values())
    low, high = y_range or (min(ys), max(ys))
    ticks, _ = svg.nice_ticks(low, high if high > low else low + 1, 4)
    low, high = ticks[0], ticks[-1]
    x_low, x_high = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    legend_h = 18 * len(drawn)
    height = S_HEIGHT + legend_h
    x = lambda v: S_LEFT + (S_WIDTH - S_LEFT - S_RIGHT) * (v - x_low) / (x_high - x_low)  # noqa: E731
    y = lambda v: S_TOP + (S_HEIGHT - S_TOP - S_BOTTOM) * (1 - (v - low) / (high - low))  # noqa: E731
    body = []
    for tick in ticks:
        body.append(svg.el("line", x1=S_LEFT, x2=S_WIDTH - S_RIGHT, y1=y(tick), y2=y(tick), class_="grid"))
        body.append(svg.text(S_LEFT - 6, y(tick) + 4, f"{tick:g}", "tick", "end"))
    for tick in svg.ticks(x_low, x_high, 5):
        body.append(svg.text(x(tick), S_HEIGHT - S_BOTTOM + 16, f"{tick:g}", "tick", "middle"))
    body.append(svg.text((S_LEFT + S_WIDTH) / 2, S_HEIGHT - 4, "step", "axis", "middle"))
    for name, value in (marks or {}).items():
        body.append(svg.el("line", x1=S_LEFT, x2=S_WIDTH - S_RIGHT, y1=y(value), y2=y(value), class_="ref"))
        body.append(svg.text(S_WIDTH - S_RIGHT, y(value) - 4, f"{name} {value:g}", "note", "end"))
    for k, (name, points) in enumerate(drawn.items()):
        cls = f"s{k % 4}"
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(px):.1f},{y(py):.1f}" for i, (px, py) in enumerate(points))
        body.append(svg.el("path", d=path, class_=f"line {cls}"))
        body += [svg.el("circle", svg.el("title", f"{name} at step {px:g}: {py:.3g}"), cx=x(px), cy=y(py), r=3,
                        class_=cls) for px, py in points]
        top = S_HEIGHT + 18 * k + 6
        body.append(svg.el("rect", x=S_LEFT, y=top, width=12, height=12, class_=cls))
        body.append(svg.text(S_LEFT + 18, top + 10, name, "label"))
    return Chart(svg.figure(S_WIDTH, height, title, f"{title}, by training step", body, chart_id))


def bar_chart(bars: list[tuple[str, float, str]], title: str, chart_id: str) -> Chart:
    """Horizontal bars, one per (label, value, text shown at its end), scaled to the largest value."""
    if not bars:
        return Chart(None, "Nothing to show.")
    left = _label_width([label for label, _, _ in bars])
    right = WIDTH - 90
    top = max((value for _, value, _ in bars), default=0) or 1
    body = []
    for k, (label, value, shown) in enumerate(bars):
        y = 12 + ROW * k + ROW / 2
        body.append(svg.text(left - 8, y + 4, svg.short(label, 34), "label", "end", title=label))
        body.append(svg.el("rect", svg.el("title", f"{label}: {shown}"), x=left, y=y - 8,
                           width=max((right - left) * value / top, 1.0), height=16, class_="bar"))
        body.append(svg.text(left + (right - left) * value / top + 6, y + 4, shown, "value"))
    return Chart(svg.figure(WIDTH, 24 + ROW * len(bars), title, title, body, chart_id))
