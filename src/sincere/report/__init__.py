"""The audit report: one self-contained HTML file per run folder (charts, tables, a response browser).

`write_report(run_dir)` reads `results.jsonl` and `summary.json` and writes `report.html`. The file
opens offline: CSS, SVG charts, the script and the data are inline, and a Content-Security-Policy
allows only that script. Every model output and dataset field is escaped.
"""

from __future__ import annotations

from sincere.report.html import render, write_report

__all__ = ["render", "write_report"]
