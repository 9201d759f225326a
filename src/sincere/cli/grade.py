"""`sincere grade`: grade responses generated elsewhere, and validate the graders on labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from sincere import grade as grade_mod
from sincere.cli import fields
from sincere.cli.app import app, err, out


def run_grade(config: grade_mod.GradeConfig) -> None:
    """Grade each line for correctness, refusal and sycophancy; print agreement with any labels."""
    from sincere.errors import SincereError

    result = grade_mod.run(config)
    out.print(f"graded {result.graded} lines -> {config.output()}")
    print_summary(result.summary())
    if result.labels:
        print_agreement("Agreement with the labels", result.agreement())
    if result.warmth_pairs:
        print_warmth_agreement(result.warmth_agreement())
    if result.versus_judge:
        from sincere.scoring.validate import judge_agreement

        print_agreement("The offline graders against the judge, by domain", judge_agreement(result.versus_judge))
    if config.components:
        from sincere.scoring.validate import validate

        report = validate(Path(str(config.file)))
        for kind in ("correctness", "sycophancy"):
            rows = {f"{name} ({half})": figures[half] for name, figures in report[kind].items()
                    for half in ("all", "dev", "heldout")}
            print_agreement(f"{kind}: component graders", rows)
    if config.summary:
        err.print(f"wrote {config.summary}")
    if result.bad_lines:
        for line in result.bad_lines[:20]:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise SincereError(f"{len(result.bad_lines)} malformed lines were skipped (listed above); "
                           f"{config.output()} holds only the {result.graded} good ones")


def print_agreement(title: str, rows: dict[str, dict[str, Any]]) -> None:
    """A table of agreement figures: n, coverage (share decided), accuracy on decided lines and over all, kappa."""
    table = Table(title=title)
    for column in ("scorer", "n", "decided", "acc. decided", "acc. all", "kappa"):
        table.add_column(column)
    pct = lambda v: "-" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    for name, figures in rows.items():
        kappa = figures.get("kappa")
        table.add_row(name, str(figures["n"]), pct(figures.get("coverage")), pct(figures.get("accuracy_decided")),
                      pct(figures.get("accuracy")), "-" if kappa is None else f"{kappa:.3f}")
    out.print(table)


def print_warmth_agreement(rows: dict[str, dict[str, Any]]) -> None:
    """A table of rank agreement between warmth measures and reference ratings (judge, labels)."""
    table = Table(title="Warmth: rank agreement (Spearman)")
    for column in ("measure vs ratings", "n", "spearman"):
        table.add_column(column)
    for name, figures in rows.items():
        rho = figures["spearman"]
        table.add_row(name, str(figures["n"]), "-" if rho is None else f"{rho:+.3f}")
    out.print(table)


def print_summary(summary: dict[str, Any]) -> None:
    """Per grader: how many lines it decided and its labels with rates over the decided ones; warmth with its CI."""
    for name in ("correctness", "sycophancy"):
        block = summary.get(name)
        if not block:
            continue
        rates = block["rates_over_decided"]
        shown = ", ".join(f"{v} {k}" + (f" ({100 * rates[k]:.0f}%)" if k in rates else "")
                          for k, v in block["counts"].items())
        what = "lines" if name == "correctness" else "lines with a stated belief, doubt or pushback"
        out.print(f"{name}: {block['decided']} of {block['lines']} {what} decided "
                  f"({100 * (block['coverage'] or 0):.1f}%): {shown}")
    for name, unit in (("warmth", "tone, 1-7"), ("sociot", "nats/token")):
        stat = summary.get(name)
        if stat and stat.get("mean") is not None:
            out.print(f"{name} ({unit}): mean {stat['mean']:.2f} [{stat['low']:.2f}, {stat['high']:.2f}] over "
                      f"{stat['n']} lines")




fields.command(app, "grade", grade_mod.GradeConfig, run_grade)
