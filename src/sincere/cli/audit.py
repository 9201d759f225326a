"""`sincere audit`, `sincere report` and `sincere compare`."""

from __future__ import annotations

from typing import Any

import typer
from rich import box
from rich.table import Table

from sincere import audit as audit_mod
from sincere import compare as compare_mod
from sincere import trackers
from sincere.cli import fields
from sincere.cli.app import app, err, out
from sincere.scoring.base import ResultField
from sincere.scoring.factory import result_fields


def run_audit(config: audit_mod.AuditConfig) -> None:
    """Audit a model: accuracy and sycophancy under interpersonal contexts and user beliefs."""
    from sincere.vectors import audit_extensions

    trackers_named = trackers.parse(config.report_to)  # a missing tracker package fails before any work
    if config.inspect_log:
        from sincere.inspect_ext import logs

        logs.check_target(config.inspect_log)
    extensions = audit_extensions(config)  # a bad --steer or --vectors fails before any work
    the_plan = audit_mod.plan(config)  # so does a bad suite or condition, before loading a model
    out_dir = audit_mod.out_dir_of(config)
    summary = audit_mod.run(config, out_dir, the_plan=the_plan, extensions=extensions)
    print_summary(summary)
    for name, where in trackers.report(summary, trackers_named, out_dir).items():
        err.print(f"sent the summary to {name}: {where}")
    if config.inspect_log:
        err.print(f"wrote the Inspect log {logs.write_log(config, config.inspect_log)} (inspect view opens it)")
    if summary["statistics"].get("judge_agreement"):
        from sincere.cli.grade import print_agreement

        print_agreement("The offline graders against the judge, by domain", summary["statistics"]["judge_agreement"])
    if summary["statistics"].get("projection"):
        from sincere.cli.vectors import print_check

        print_check(summary["statistics"]["projection"])
    out.print(f"\nResults in {out_dir}/ (results.jsonl, summary.json, report.html, config.yaml)")


def _cell(field: ResultField, cell: dict[str, Any] | None, interval: bool) -> str:
    """A field's mean as the table shows it: a share with its CI (`interval`), else the mean alone."""
    if not cell or cell.get("mean") is None:
        return "-"
    if field.share and interval:
        return f"{100 * cell['mean']:.0f}% [{100 * cell['low']:.0f}-{100 * cell['high']:.0f}]"
    return field.shown(cell["mean"])


def summary_rows(summary: dict[str, Any]) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """(columns, a row per condition, a row per test against the baseline) of an audit summary, as text.

    A column per field the scorers declare (`scoring.factory.result_fields`): the shares always, a
    score when some condition has one. The `n` column is left out when every condition has the same
    number of replies (the title says it).
    """
    stats = summary["statistics"]
    groups = stats["by_condition"]
    shown = [f for f in result_fields()
             if f.share or any((g.get(f.name) or {}).get("mean") is not None for g in groups)]
    same_n = len({g["n_rows"] for g in groups}) <= 1
    columns = ["condition", *([] if same_n else ["n"]), *(f.title.lower() for f in shown)]
    rows = [[group["condition"], *([] if same_n else [str(group["n_rows"])]),
             *(_cell(f, group.get(f.name), interval=f.name != "coverage") for f in shown)] for group in groups]
    tests = [[t["condition"], f"{t['difference_pp']:+.0f} pp", f"{t['p_adjusted']:.2g}"]
             for t in stats["error_tests"] if t.get("p_adjusted") is not None]
    return columns, rows, tests


def print_summary(summary: dict[str, Any]) -> None:
    """Rates with CIs per condition, then the error tests against the baseline: tables that fit 80 columns in a
    terminal, plain lines (one per condition and test) when the output is a file or a pipe."""
    stats = summary["statistics"]
    columns, rows, tests = summary_rows(summary)
    sizes = {g["n_rows"] for g in stats["by_condition"]}
    each = f" ({sizes.pop()} replies each)" if len(sizes) == 1 else ""
    title = f"{summary['config']['model']}: {summary['n_items']} items{each}, 95% CIs"
    test_columns = ["condition", f"error vs {stats['baseline']}", "p (BH-adjusted)"]
    if out.is_terminal:
        table = Table(*columns, title=title, box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False,
                      title_justify="left")
        for row in rows:
            table.add_row(*row)
        out.print(table)
        if tests:
            paired = Table(*test_columns, title="Paired tests (exact McNemar)", box=box.SIMPLE_HEAD,
                           padding=(0, 1, 0, 0), pad_edge=False, title_justify="left")
            for row in tests:
                paired.add_row(*row)
            out.print(paired)
    else:
        plain = {"markup": False, "highlight": False, "soft_wrap": True}
        out.print(title, **plain)
        for row in rows:
            out.print("  ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True)), **plain)
        for row in tests:
            out.print(f"paired test: {row[0]} error {row[1]} vs {stats['baseline']}, p_adj={row[2]}", **plain)
    warm = any((g.get("warmth") or {}).get("mean") is not None for g in stats["by_condition"])
    out.print("graded: replies the correctness grader decided (the rest are unclear); rates are over those."
              + (" warmth: tone, 1-7 (4 neutral)." if warm else "") + (" sociot: nats/token." if "sociot" in columns
                                                                      else ""), markup=False, highlight=False)
    from sincere.report.findings import coverage_note

    note = coverage_note(stats["by_condition"])
    if note:
        out.print(note, markup=False, highlight=False)
    skipped = summary.get("skipped_items") or []
    if skipped:
        out.print(f"Skipped {len(skipped)} item(s) whose prompt does not fit the model's context "
                  f"(listed in summary.json under skipped_items): {skipped[0]['reason']}.")


def run_report(config: audit_mod.ReportConfig) -> None:
    """Rebuild a run's report.html from its results."""
    from sincere.inspect_ext import logs

    path = logs.report(str(config.run), config.out) if logs.is_log(str(config.run)) else \
        audit_mod.rebuild_report(config)
    out.print(f"wrote {path}")


def run_compare(config: compare_mod.CompareConfig) -> None:
    """Paired tests per condition and logistic-regression marginal effects of B against A."""
    result = compare_mod.run(config)
    print_comparison(result)
    if config.out:
        err.print(f"wrote {config.out}")
    if "gate" in result:
        print_gate(result["gate"])
        if result["gate"]["failed"]:
            raise typer.Exit(1)


def print_gate(gate: dict[str, Any]) -> None:
    """Each limit's check, and the verdict (the exit code follows it); fits 80 columns with full condition names."""
    alpha = gate["alpha"]
    out.print(f"Gate: a limit fails when crossed and the change is real (rates: BH-adjusted McNemar p < {alpha:g}; "
              f"warmth: its {100 * (1 - alpha):g}% interval excludes 0)")
    table = Table("limit", "condition", "B - A", "p / CI", "result", box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0),
                  pad_edge=False)
    for check in gate["checks"]:
        evidence = check["evidence"]
        shown = f"{evidence:.2g}" if isinstance(evidence, float) else "-" if evidence is None \
            else f"{evidence[0]:+.2f}..{evidence[1]:+.2f}"
        change = f"{check['change']:+.2f}" if check["metric"] == "warmth" else f"{check['change']:+.1f} pp"
        result = "FAIL" if check["fails"] else "crossed, n.s." if check["crossed"] else "ok"
        table.add_row(check["limit"], check["condition"], change, shown, result)
    out.print(table)
    failed = [c for c in gate["checks"] if c["fails"]]
    if failed:
        out.print(f"GATE FAILED: {len(failed)} limit check(s) crossed with a real change (exit code 1).")
    else:
        out.print("GATE PASSED: no limit crossed with a real change (n.s.: crossed within the noise).")


def print_comparison(result: dict[str, Any]) -> None:
    """Tables of the paired tests and the marginal effects."""
    a, b = result["run_a"], result["run_b"]
    out.print(f"A = {a['path']} ({a['model']}), B = {b['path']} ({b['model']}): {result['n_shared_items']} shared "
              f"items, {result['n_shared_pairs']} pairs")
    if result.get("pairing"):
        out.print(f"Note: {result['pairing']}.")
    for outcome, rows in result["paired"].items():
        table = Table(title=f"{outcome}: paired McNemar tests per condition (BH-adjusted)")
        for column in ("condition", "pairs", "A", "B", "B - A", "p", "p_adj"):
            table.add_column(column)
        for row in rows:
            rate = lambda v: "-" if v is None else f"{100 * v:.1f}%"  # noqa: E731
            fmt = lambda v: "-" if v is None else f"{v:.3g}"  # noqa: E731
            diff = "-" if row["difference_pp"] is None else f"{row['difference_pp']:+.1f} pp"
            table.add_row(row["condition"], str(row["n_pairs"]), rate(row["rate_a"]), rate(row["rate_b"]),
                          diff, fmt(row["p"]), fmt(row["p_adjusted"]))
        out.print(table)
    for outcome, effect in result["marginal_effects"].items():
        overall = effect["overall"]
        if effect.get("why"):
            out.print(f"Average marginal effect of B on {outcome} (logistic regression): not estimated: "
                      f"{effect['why']}.")
            continue
        ci = "" if overall.get("low") is None else f" [{overall['low']:+.1f}, {overall['high']:+.1f}]"
        value = "-" if overall.get("ame_pp") is None else f"{overall['ame_pp']:+.1f} pp{ci}"
        note = f" ({effect['note']})" if effect.get("note") else ""
        out.print(f"Average marginal effect of B on {outcome} (logistic regression): {value}{note}")
    for measure, diff in result.get("warmth", {}).items():
        overall = diff["overall"]
        if overall.get("mean") is None:
            continue
        unit = " (1-7 scale)" if measure == "warmth" else " (nats/token)"
        out.print(f"Mean {measure} difference B - A{unit}: {overall['mean']:+.3f} "
                  f"[{overall['low']:+.3f}, {overall['high']:+.3f}] over {overall['n']} items")


for _name, _cls, _body in (("audit", audit_mod.AuditConfig, run_audit), ("report", audit_mod.ReportConfig, run_report),
                           ("compare", compare_mod.CompareConfig, run_compare)):
    fields.command(app, _name, _cls, _body)
