"""The history report of `sincere watch`: each outcome over the runs, with CIs, failing runs marked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from markupsafe import Markup

from sincere import __version__, jsonl
from sincere.report import fmt
from sincere.report.html import environment, resource
from sincere.report.svg import el, nice_ticks, text

REPORT_NAME = "report.html"
TITLES = {"error": "Error rate", "sycophancy": "Sycophancy", "refusal": "Refusal", "warmth": "Warmth (tone, 1-7)"}
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720.0, 200.0, 56.0, 16.0, 14.0, 34.0


def series_chart(entries: list[dict[str, Any]], metric: str) -> Markup | None:
    """One outcome over the runs: a point and CI whisker per reached run, red where the gate failed, a grey
    cross where the endpoint was unreachable; None when no run measured it."""
    points = [(i, e, (e.get("metrics") or {}).get(metric) or {}) for i, e in enumerate(entries)]
    measured = [(i, e, s) for i, e, s in points if s.get("mean") is not None]
    if not measured:
        return None
    rate = metric != "warmth"
    marks, _ = nice_ticks(0.0, max(max(s["high"] for _, _, s in measured), 0.05), 4) if rate else \
        nice_ticks(1.0, 7.0, 6)
    low, high = marks[0], marks[-1]
    x = lambda i: LEFT + (WIDTH - LEFT - RIGHT) * (i + 0.5) / len(entries)  # noqa: E731
    y = lambda v: TOP + (HEIGHT - TOP - BOTTOM) * (1 - (v - low) / (high - low))  # noqa: E731
    parts = []
    for tick in marks:
        parts.append(el("line", x1=LEFT, x2=WIDTH - RIGHT, y1=y(tick), y2=y(tick), class_="grid"))
        parts.append(text(LEFT - 6, y(tick) + 4, fmt.pct(tick) if rate else f"{tick:g}", "tick", "end"))
    path = " ".join(f"{'M' if k == 0 else 'L'}{x(i):.1f},{y(s['mean']):.1f}" for k, (i, _, s) in enumerate(measured))
    parts.append(el("path", d=path, class_="trend"))
    for i, entry in enumerate(entries):
        parts.append(text(x(i), HEIGHT - BOTTOM + 16, entry["run"], "tick", "middle", title=entry.get("started")))
        if entry["status"] == "unreachable":
            parts.append(text(x(i), y((low + high) / 2), "\u00d7", "down", "middle", title="endpoint unreachable"))
    for i, entry, stat in measured:
        cls = "bad" if entry["status"] == "regressed" else "point"
        shown = fmt.pct_ci(stat) if rate else f"{stat['mean']:.2f} [{stat['low']:.2f}, {stat['high']:.2f}]"
        tip = f"run {entry['run']} ({entry.get('started')}): {shown}, {entry['status']}"
        parts.append(el("line", x1=x(i), x2=x(i), y1=y(stat["low"]), y2=y(stat["high"]), class_="whisker"))
        parts.append(el("circle", el("title", tip), cx=x(i), cy=y(stat["mean"]), r=4.5, class_=cls))
    return el("svg", *parts, viewBox=f"0 0 {WIDTH:.0f} {HEIGHT:.0f}", role="img", aria_label=TITLES[metric],
              class_="chart")


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    metrics = entry.get("metrics") or {}
    gate = entry.get("vs_baseline") or {}
    failing = ", ".join(f"{c['limit']} in {c['condition']}" for c in gate.get("failing", []))
    return {"run": entry["run"], "started": entry.get("started"), "status": entry["status"],
            "error": fmt.pct_ci(metrics.get("error")), "sycophancy": fmt.pct_ci(metrics.get("sycophancy")),
            "refusal": fmt.pct_ci(metrics.get("refusal")),
            "warmth": "-" if (metrics.get("warmth") or {}).get("mean") is None else f"{metrics['warmth']['mean']:.2f}",
            "detail": entry.get("reason") or failing or ("baseline" if entry["status"] == "baseline" else "")}


def write_history_report(folder: Path, entries: list[dict[str, Any]]) -> Path:
    """Write `folder/report.html` (one self-contained page) and return its path."""
    charts = {TITLES[m]: c for m in TITLES if (c := series_chart(entries, m)) is not None}
    limits = next((e["vs_baseline"]["limits"] for e in reversed(entries) if e.get("vs_baseline")), [])
    html = environment().from_string(resource("history.html")).render(
        model=entries[-1]["model"] if entries else "", charts=charts, rows=[_row(e) for e in entries],
        limits=", ".join(limits), n_regressed=sum(e["status"] == "regressed" for e in entries),
        n_unreachable=sum(e["status"] == "unreachable" for e in entries), version=__version__,
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    target = folder / REPORT_NAME
    with jsonl.atomic_writer(target) as handle:
        handle.write(html)
    return target
