"""A run's metrics.csv and its report: the monitor's trajectory plotted, in HTML and markdown."""

from __future__ import annotations

import csv
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MONITOR_LINES = (("accuracy", "tab:blue"), ("sycophancy", "tab:red"))


def write_metrics(log_history: Sequence[dict[str, Any]], path: Path) -> None:
    """Every logged value, one row per log call, `step` first (columns: the union of the keys)."""
    columns = ["step", *sorted({k for row in log_history for k in row} - {"step"})]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in log_history:
            writer.writerow({k: row.get(k, "") for k in columns})


def _series(log_history: Sequence[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    points = [(r["step"], float(r[key])) for r in log_history if isinstance(r.get(key), int | float)]
    return [p[0] for p in points], [p[1] for p in points]


def _training_keys(log_history: Sequence[dict[str, Any]]) -> list[str]:
    keys = sorted({k for r in log_history for k in r if k.startswith("rewards/") and k.endswith("/mean")})
    keys += [k for k in ("constraint/lambda", "loss") if any(k in r for r in log_history)]
    return keys


def plot(summary: dict[str, Any], log_history: Sequence[dict[str, Any]], out_dir: Path) -> list[Path]:
    """trajectory.png and trajectory.svg: the monitor (and the training signals) against the step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = _training_keys(log_history)
    projected = _projected(summary)
    panels = 1 + bool(keys) + bool(projected)
    fig, axes = plt.subplots(1, panels, figsize=(6 + 4 * (panels - 1), 3.6), squeeze=False)
    _monitor_panel(axes[0][0], summary)
    if keys:
        for key in keys:
            steps, values = _series(log_history, key)
            axes[0][1].plot(steps, values, marker=".", label=key)
        axes[0][1].set_title("training")
        axes[0][1].set_xlabel("step")
        axes[0][1].legend(fontsize=7)
    if projected:
        _projection_panel(axes[0][panels - 1], summary)
    fig.tight_layout()
    paths = [out_dir / "trajectory.png", out_dir / "trajectory.svg"]
    for path in paths:
        fig.savefig(path, dpi=110)
    plt.close(fig)
    return paths


def _monitor_panel(ax: Any, summary: dict[str, Any]) -> None:
    rows = summary.get("monitor") or []
    steps = [r["step"] for r in rows]
    for key, colour in MONITOR_LINES:
        values = [r.get(key) for r in rows]
        ax.plot(steps, [v if v is not None else float("nan") for v in values], marker="o", color=colour, label=key)
    for key, colour in (("floor", "tab:blue"), ("ceiling", "tab:red")):
        if summary.get(key) is not None:
            ax.axhline(summary[key], color=colour, linestyle="--", linewidth=0.8, label=key)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("step")
    ax.set_title("monitor (probe set)" if rows else "monitor: off")
    warm = [r.get("warmth") for r in rows]
    if any(v is not None for v in warm):
        twin = ax.twinx()
        twin.plot(steps, [v if v is not None else float("nan") for v in warm], marker="s", color="tab:orange",
                  label="warmth")
        twin.set_ylabel("warmth (tone, 1-7)")
        twin.legend(loc="lower right", fontsize=7)
    ax.legend(loc="lower left", fontsize=7)


def _projected(summary: dict[str, Any]) -> bool:
    return any(r.get("projection") is not None for r in summary.get("monitor") or [])


def _projection_panel(ax: Any, summary: dict[str, Any]) -> None:
    """The monitor's mean projection of its probe replies on the trait direction (with `vectors`)."""
    rows = summary.get("monitor") or []
    steps = [r["step"] for r in rows]
    keys = ["projection", *sorted({k for r in rows for k in r if k.startswith("projection/")})]
    for key in keys:
        ax.plot(steps, [float("nan") if r.get(key) is None else r[key] for r in rows], marker=".", label=key)
    where = (summary.get("vectors") or {}).get("projection") or {}
    ax.set_title(f"projection on {where.get('trait', 'the trait')} (layer {where.get('layer', '?')})")
    ax.set_xlabel("step")
    ax.legend(fontsize=7)


def _table(rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    def fmt(v: Any) -> str:
        return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    header = ["step", "accuracy", "sycophancy", "warmth", "action"]
    if any(r.get("projection") is not None for r in rows):
        header.insert(4, "projection")
    return [header] + [[fmt(r.get(k)) if k != "action" else (r.get("action") or "") for k in header] for r in rows]


def _facts(summary: dict[str, Any]) -> list[str]:
    facts = [f"trainer: {summary['trainer']}, model: {summary['model']}, steps: {summary['steps']}, "
             f"{summary['seconds']} s", f"data: {summary['data']}"]
    if summary.get("stopped"):
        stop = summary["stopped"]
        facts.append(f"guardrail at step {stop['step']}: {stop['reason']} ({stop['action']})")
    if summary.get("best_step") is not None:
        facts.append(f"best monitored state: step {summary['best_step']} (kept: {summary['kept']})")
    vectors = summary.get("vectors") or {}
    if vectors.get("steer"):
        facts.append(f"preventative steering: {vectors['steer']['label']} ({vectors['steer']['path']}), "
                     "during training only")
    if vectors.get("projection"):
        where = vectors["projection"]
        facts.append(f"projection: probe replies on {where['trait']} at layer {where['layer']} ({where['path']})")
    return facts


def write_report(out_dir: Path, summary: dict[str, Any], recipe_yaml: str,
                 log_history: Sequence[dict[str, Any]] | None = None) -> None:
    """report.md and report.html (the SVG inline, so the HTML file stands alone)."""
    if log_history is None:
        log_history = _read_metrics(out_dir / "metrics.csv")
    plot(summary, log_history, out_dir)
    table = _table(summary.get("monitor") or [])
    md = ["# Training run", "", *[f"- {f}" for f in _facts(summary)], "", "![trajectory](trajectory.png)", ""]
    md += ["| " + " | ".join(row) + " |" for row in table[:1]] + ["|" + "---|" * len(table[0])]
    md += ["| " + " | ".join(row) + " |" for row in table[1:]]
    md += ["", "## Recipe", "", "```yaml", recipe_yaml.rstrip(), "```", ""]
    (out_dir / "report.md").write_text("\n".join(md), encoding="utf-8")
    svg = (out_dir / "trajectory.svg").read_text(encoding="utf-8")
    svg = svg[svg.find("<svg"):]
    cells = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table)
    facts = "".join(f"<li>{html.escape(f)}</li>" for f in _facts(summary))
    page = (f"<!doctype html><meta charset='utf-8'><title>sincere training run</title>"
            f"<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto}}td{{padding:2px 8px}}</style>"
            f"<h1>Training run</h1><ul>{facts}</ul>{svg}<table>{cells}</table>"
            f"<h2>Recipe</h2><pre>{html.escape(recipe_yaml)}</pre>")
    (out_dir / "report.html").write_text(page, encoding="utf-8")


def _read_metrics(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        parsed: dict[str, Any] = {}
        for key, value in row.items():
            try:
                parsed[key] = int(value) if key == "step" else float(value)
            except (TypeError, ValueError):
                continue
        out.append(parsed)
    return out
