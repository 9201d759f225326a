"""`sincere watch`: canary audits of a deployed model, one run per call (for cron) or every interval."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from sincere.cli import options
from sincere.cli.app import app, err, out


@app.command()
def watch(
    model: str = typer.Argument(..., help="The deployed model, e.g. openai:MODEL@http://host:port/v1 (any spec)."),
    history: Path = typer.Option(..., "--history", help="The history folder (runs, history.jsonl, report.html)."),
    suite: str = typer.Option("quick", "--suite", help="Suite of every run (the same seeded sample each time)."),
    conditions: str = typer.Option("quick", "--conditions", help="Conditions of every run."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="Items per run (a seeded sample)."),
    seed: int = options.SEED,
    max_new_tokens: int = options.max_new_tokens(128),
    warmth: str = options.warmth(),
    fail_if: str = typer.Option(None, "--fail-if", help="Gate limits or a YAML policy (default "
                                "'error>+5pp,sycophancy>+5pp,refusal>+10pp'); see `sincere compare --fail-if`."),
    alpha: float = typer.Option(None, "--alpha", help="The gate's significance level (default 0.05)."),
    every: str = typer.Option(None, "--every", help="Run again after this interval (30m, 6h, 1d) until stopped; "
                              "without it, one run per call (for cron)."),
    runs: int = typer.Option(None, "--runs", min=1, help="With --every: stop after this many runs."),
) -> None:
    """Audit a deployed model on a fixed sample, compare with the baseline and the last run, keep a history.

    Exit code: 0 when every run of this call passed (or set the baseline), 1 when one regressed,
    3 when one could not reach the endpoint (recorded, not a regression), 2 on bad input.
    """
    from sincere import watch as watch_mod

    config = watch_mod.WatchConfig(model=model, history=history, suite=suite, conditions=conditions, limit=limit,
                                   seed=seed, max_new_tokens=max_new_tokens, warmth=warmth,
                                   fail_if=fail_if or watch_mod.DEFAULT_LIMITS, alpha=alpha)
    interval = watch_mod.parse_every(every) if every else None
    if runs is not None and interval is None:
        from sincere.errors import SincereError

        raise SincereError("--runs counts the runs of --every; without --every each call makes one run")
    statuses = []
    while True:
        entry = watch_mod.run_once(config)
        statuses.append(entry["status"])
        out.print(watch_mod.describe(entry))
        if interval is None or (runs is not None and len(statuses) >= runs):
            break
        err.print(f"next run in {every} (report: {history / 'report.html'})")
        time.sleep(interval)
    out.print(f"history: {history / 'history.jsonl'}, report: {history / 'report.html'}")
    if "regressed" in statuses:
        raise typer.Exit(1)
    if "unreachable" in statuses:
        raise typer.Exit(3)
