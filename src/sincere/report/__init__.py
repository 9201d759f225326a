"""Every HTML report sincere writes, from one builder (`page.py`) and one template folder (here).

The audit report (`write_report(run_dir)`: charts, tables, a response browser), the data audit's
(`data_audit.py`), the training run's (`training.py`) and the watch history's (`history.py`) extend
`base.html`: the same header, style and footer, charts from `charts.py`, tables with a search box
(`tables.js`). Each file opens offline: CSS, SVG charts, the scripts and the data are inline, and a
Content-Security-Policy allows only those scripts. Every model output and dataset field is escaped.
"""

from __future__ import annotations

from sincere.report.html import render, write_report

__all__ = ["render", "write_report"]
