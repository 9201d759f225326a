"""The data audit's report: `data_page.html` through the one page builder (`page.py`). Every value
from the dataset goes through the builder's autoescaping, so an example holding HTML or a script
shows as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sincere.report import charts, page


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


def _shares(rows: list[dict[str, Any]], title: str, chart_id: str) -> charts.Chart:
    return charts.bar_chart([(str(r["name"]), r["count"], f"{r['count']} ({_pct(r['share'])})") for r in rows],
                            title, chart_id)


def _histogram(bins: list[dict[str, Any]], title: str, chart_id: str) -> charts.Chart:
    return charts.bar_chart([(f"{b['low']:.3g} to {b['high']:.3g}", b["count"], str(b["count"])) for b in bins],
                            title, chart_id)


def chart_set(summary: dict[str, Any]) -> dict[str, charts.Chart]:
    """The page's charts: shares of query types and warmth levels, histograms of warmth and reply length."""
    found = {"query_types": _shares(summary["query_types"], "Query types", "chart-query-types"),
             "warmth_levels": _shares(summary["warmth_levels"], "Warmth levels", "chart-warmth-levels"),
             "reply_words": _histogram(summary["reply_words"]["histogram"], "Reply length (words)",
                                       "chart-reply-words")}
    for name in ("warmth", "sociot"):
        if (summary.get(name) or {}).get("n"):
            found[name] = _histogram(summary[name]["histogram"], name, f"chart-{name}")
    return found


def render(summary: dict[str, Any], flagged: list[dict[str, Any]]) -> str:
    """The report page for a data audit's summary and its flagged rows."""
    return page.render("data_page.html", s=summary, flagged=flagged, charts=chart_set(summary), pct=_pct,
                       signed=_signed)


def write_report(path: Path, summary: dict[str, Any], flagged: list[dict[str, Any]],
                 protect: tuple[Path, ...] = ()) -> Path:
    """Write report.html (atomically, never over an input)."""
    return page.write(path, render(summary, flagged), protect)
