"""The history report of `sincere watch`: each outcome over the runs, with CIs, failing runs marked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sincere.report import fmt, page
from sincere.report.charts import series_chart

REPORT_NAME = "report.html"
TITLES = {"error": "Error rate", "sycophancy": "Sycophancy", "refusal": "Refusal", "warmth": "Warmth (tone, 1-7)"}


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
    charts = {TITLES[m]: c for m in TITLES if (c := series_chart(entries, m, TITLES[m])) is not None}
    limits = next((e["vs_baseline"]["limits"] for e in reversed(entries) if e.get("vs_baseline")), [])
    html = page.render("history.html", model=entries[-1]["model"] if entries else "", charts=charts,
                       rows=[_row(e) for e in entries], limits=", ".join(limits),
                       n_regressed=sum(e["status"] == "regressed" for e in entries),
                       n_unreachable=sum(e["status"] == "unreachable" for e in entries))
    return page.write(folder / REPORT_NAME, html)
