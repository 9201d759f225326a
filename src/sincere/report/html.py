"""The audit report: a run folder rendered into one self-contained, offline HTML page (`audit.html`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from markupsafe import Markup

from sincere.report import charts, data, findings, fmt, page, tables

REPORT_NAME = "report.html"


def _when(summary: dict[str, Any], run_dir: Path) -> str:
    """The run's date: a date field of the summary, else the time results.jsonl was written (UTC)."""
    for key in ("date", "finished", "created", "started"):
        if isinstance(summary.get(key), str) and summary[key]:
            return summary[key]
    stamp = (run_dir / "results.jsonl").stat().st_mtime
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _meta(summary: dict[str, Any], rows: list[dict[str, Any]], run_dir: Path) -> dict[str, Any]:
    """Header facts: model, suite, conditions, counts, seed, date and run time."""
    config = summary.get("config") if isinstance(summary.get("config"), dict) else {}
    conditions = summary.get("conditions") or config.get("conditions") or []
    if not isinstance(conditions, list):
        conditions = [part.strip() for part in str(conditions).split(",") if part.strip()]
    conditions = [data.text(c, 200) for c in conditions] or list(
        dict.fromkeys(data.text(r.get("condition")) for r in rows)
    )
    return {
        "model": data.text(config.get("model") or "unknown model", 300),
        "fingerprint": data.text(summary.get("model_fingerprint"), 300),
        "suite": data.text(config.get("suite"), 300) or fmt.DASH,
        "conditions": conditions,
        "n_items": fmt.count(summary.get("n_items")),
        "n_results": fmt.count(summary.get("n_results", len(rows))),
        "seed": data.text(config.get("seed")) or fmt.DASH,
        "max_new_tokens": data.text(config.get("max_new_tokens")) or fmt.DASH,
        "date": data.text(_when(summary, run_dir), 100),
        "duration": fmt.duration(summary.get("seconds")),
    }


def _context(run_dir: Path, rows: list[dict[str, Any]], summary: dict[str, Any]) -> dict[str, Any]:
    """Everything the template shows."""
    stats = summary.get("statistics") if isinstance(summary.get("statistics"), dict) else {}
    by_condition = [s for s in stats.get("by_condition") or [] if isinstance(s, dict)]
    baseline = stats.get("baseline") or (by_condition[0].get("condition") if by_condition else None)
    meta = _meta(summary, rows, run_dir)
    domain_names, domain_rows = tables.domains(stats.get("by_condition_domain"))
    return {
        "meta": meta,
        "baseline": data.text(baseline),
        "headline": findings.headline(stats),
        "charts": {
            "error": charts.error_chart(by_condition, baseline),
            "sycophancy": charts.sycophancy_chart(by_condition),
            "warmth": charts.warmth_chart(by_condition, baseline),
        },
        "conditions": tables.conditions(by_condition, baseline),
        "columns": [f.title for f in tables.fields(by_condition)],
        "measures": {k: data.text(v, 300) for k, v in (summary.get("measures") or {}).items()
                     if isinstance(v, str)} if isinstance(summary.get("measures"), dict) else {},
        "error_tests": tables.tests(stats.get("error_tests")),
        "sycophancy_tests": tables.tests(stats.get("sycophancy_tests")),
        "domains": domain_names,
        "domain_rows": domain_rows,
        "projection": tables.projection(stats.get("projection")),
        "incomplete": summary.get("incomplete") if isinstance(summary.get("incomplete"), dict) else None,
        "data_json": Markup(data.script_json(data.browser_data(rows, meta["conditions"]))),
    }


def render(run_dir: str | Path) -> str:
    """The report of a run folder as HTML text."""
    run_dir = Path(run_dir)
    rows, summary = data.load(run_dir)
    return page.render("audit.html", scripts=("report.js",), **_context(run_dir, rows, summary))


def write_report(run_dir: str | Path) -> Path:
    """Write `run_dir/report.html` (atomically) and return its path."""
    return page.write(Path(run_dir) / REPORT_NAME, render(run_dir))
