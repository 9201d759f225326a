"""`sincere watch`: canary audits of a deployed model, one run per call (for cron) or every interval."""

from __future__ import annotations

from pathlib import Path

import typer

from sincere import watch as watch_mod
from sincere.cli import fields
from sincere.cli.app import app, err, out


def run_watch(config: watch_mod.WatchConfig) -> None:
    """Audit a deployed model on a fixed sample, compare with the baseline and the last run, keep a history.

    Exit code: 0 when every run of this call passed (or set the baseline), 1 when one regressed,
    3 when one could not reach the endpoint (recorded, not a regression), 2 on bad input.
    """
    statuses = []
    for entry in watch_mod.watch(config):
        statuses.append(entry["status"])
        out.print(watch_mod.describe(entry))
        if config.every and (config.runs is None or len(statuses) < config.runs):
            err.print(f"next run in {config.every} (report: {Path(str(config.history)) / 'report.html'})")
    history = Path(str(config.history))
    out.print(f"history: {history / 'history.jsonl'}, report: {history / 'report.html'}")
    if "regressed" in statuses:
        raise typer.Exit(1)
    if "unreachable" in statuses:
        raise typer.Exit(3)


fields.command(app, "watch", watch_mod.WatchConfig, run_watch)
