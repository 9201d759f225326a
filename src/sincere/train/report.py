"""A training run's metrics.csv, and its report (built by `sincere.report.training`)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def write_metrics(log_history: Sequence[dict[str, Any]], path: Path) -> None:
    """Every logged value, one row per log call, `step` first (columns: the union of the keys)."""
    columns = ["step", *sorted({k for row in log_history for k in row} - {"step"})]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in log_history:
            writer.writerow({k: row.get(k, "") for k in columns})


def write_report(out_dir: Path, summary: dict[str, Any], recipe_yaml: str,
                 log_history: Sequence[dict[str, Any]] | None = None) -> Path:
    """report.html, report.md and trajectory.svg (`sincere.report.training`) from the summary and the log."""
    from sincere.report import training

    if log_history is None:
        log_history = _read_metrics(out_dir / "metrics.csv")
    return training.write_report(out_dir, summary, recipe_yaml, log_history)


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
