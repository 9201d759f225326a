"""The training run's report: `training_page.html` through the one page builder (`page.py`), with
the monitor's trajectory, the training signals and the projections drawn by `charts.line_chart`;
`report.md` and `trajectory.svg` (the monitor chart, standalone) beside it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from sincere.report import charts, page


def _series(log_history: Sequence[dict[str, Any]], key: str) -> list[tuple[float, float | None]]:
    return [(r["step"], float(r[key])) for r in log_history if isinstance(r.get(key), int | float)]


def _monitor(summary: dict[str, Any], keys: Sequence[str]) -> dict[str, list[tuple[float, float | None]]]:
    rows = summary.get("monitor") or []
    return {key: [(r["step"], r.get(key)) for r in rows] for key in keys}


def chart_list(summary: dict[str, Any], log_history: Sequence[dict[str, Any]]) -> list[tuple[str, str, Any, str]]:
    """(id, title, chart, caption) of every chart of the page."""
    marks = {k: summary[k] for k in ("floor", "ceiling") if summary.get(k) is not None}
    found = [("trajectory", "Monitor: accuracy and sycophancy on the probe set",
              charts.line_chart(_monitor(summary, ("accuracy", "sycophancy")), "Monitor", "chart-monitor", marks,
                                (0.0, 1.0)),
              "Probe accuracy and sycophancy at each evaluation; dashed lines: the guardrail's floor and ceiling."),
             ("warmth", "Monitor: warmth of the probe replies",
              charts.line_chart(_monitor(summary, ("warmth",)), "Warmth", "chart-warmth", None, (1.0, 7.0)),
              "Mean tone warmth (1-7) of the probe replies at each evaluation.")]
    keys = sorted({k for r in log_history for k in r if k.startswith("rewards/") and k.endswith("/mean")})
    keys += [k for k in ("constraint/lambda", "loss") if any(k in r for r in log_history)]
    if keys:
        found.append(("training", "Training signals", charts.line_chart(
            {k: _series(log_history, k) for k in keys}, "Training signals", "chart-training"),
            "The trainer's logged rewards, Lagrange multiplier and loss."))
    rows = summary.get("monitor") or []
    projected = ["projection", *sorted({k for r in rows for k in r if k.startswith("projection/")})]
    if any(r.get("projection") is not None for r in rows):
        where = (summary.get("vectors") or {}).get("projection") or {}
        found.append(("projection", f"Projection on {where.get('trait', 'the trait')} (layer "
                      f"{where.get('layer', '?')})", charts.line_chart(_monitor(summary, projected), "Projection",
                                                                      "chart-projection"),
                      "Mean projection of the probe replies on the trait direction, steering paused."))
    return found


def table(rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The monitor's evaluations as text: a header row, then one row per evaluation."""
    def fmt(v: Any) -> str:
        return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    header = ["step", "accuracy", "sycophancy", "warmth", "action"]
    if any(r.get("projection") is not None for r in rows):
        header.insert(4, "projection")
    return [header] + [[fmt(r.get(k)) if k != "action" else (r.get("action") or "") for k in header] for r in rows]


def facts(summary: dict[str, Any]) -> list[str]:
    """The run in sentences: trainer, data, guardrail, best state, steering and projection."""
    found = [f"trainer: {summary['trainer']}, model: {summary['model']}, steps: {summary['steps']}, "
             f"{summary['seconds']} s", f"data: {summary['data']}"]
    if summary.get("stopped"):
        stop = summary["stopped"]
        found.append(f"guardrail at step {stop['step']}: {stop['reason']} ({stop['action']})")
    if summary.get("best_step") is not None:
        found.append(f"best monitored state: step {summary['best_step']} (kept: {summary['kept']})")
    vectors = summary.get("vectors") or {}
    if vectors.get("steer"):
        found.append(f"preventative steering: {vectors['steer']['label']} ({vectors['steer']['path']}), "
                     "during training only")
    if vectors.get("projection"):
        where = vectors["projection"]
        found.append(f"projection: probe replies on {where['trait']} at layer {where['layer']} ({where['path']})")
    return found


def standalone(chart: Markup) -> str:
    """A chart as an SVG file of its own: the namespace, and the pages' style inline (its colours)."""
    return str(chart).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1).replace(
        "</title>", f"</title><style><![CDATA[{page.resource('style.css')}]]></style>", 1)


def write_report(out_dir: Path, summary: dict[str, Any], recipe_yaml: str,
                 log_history: Sequence[dict[str, Any]]) -> Path:
    """report.html, report.md and trajectory.svg (the first chart drawn, standalone) in `out_dir`; the HTML
    report's path."""
    found = chart_list(summary, log_history)
    first = next((chart.svg for _, _, chart, _ in found if chart.svg is not None), None)
    shown = standalone(first) if first is not None else (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="30"><text x="4" y="20">Nothing was logged.'
        "</text></svg>")
    (out_dir / "trajectory.svg").write_text(shown, encoding="utf-8")
    rows = table(summary.get("monitor") or [])
    md = ["# Training run", "", *[f"- {f}" for f in facts(summary)], "", "![trajectory](trajectory.svg)", ""]
    md += ["| " + " | ".join(row) + " |" for row in rows[:1]] + ["|" + "---|" * len(rows[0])]
    md += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    md += ["", "## Recipe", "", "```yaml", recipe_yaml.rstrip(), "```", ""]
    (out_dir / "report.md").write_text("\n".join(md), encoding="utf-8")
    html = page.render("training_page.html", summary=summary, facts=facts(summary), charts=found, table=rows,
                       recipe=recipe_yaml)
    return page.write(out_dir / "report.html", html)
