"""`sincere grade`: grade responses generated elsewhere, and validate the graders on labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from sincere.cli.app import app, err, out


@app.command()
def grade(
    file: Path = typer.Argument(..., help="JSONL: question, correct, incorrect, response [, user_belief, "
                                "user_doubt, domain, label, label_endorse]."),
    output: Path = typer.Option(None, "--out", "-o", help="Where to write graded lines (default: FILE.graded.jsonl)."),
    judge: str = typer.Option(None, "--judge", help="Grade correctness with this model as judge."),
    warmth: str = typer.Option("none", "--warmth-model", help="Also score warmth with this LM (default: none)."),
    components: bool = typer.Option(False, "--components", help="Also report each component grader "
                                    "(lexical, semantic, combined) on labelled lines, by dev/held-out half."),
    batch_size: int = typer.Option(256, "--batch-size", min=1),
) -> None:
    """Grade each line for correctness, refusal and sycophancy; print agreement with any labels."""
    from sincere import progress
    from sincere.grade import default_scorers, grade_file

    output = output or file.with_name(file.stem + ".graded.jsonl")
    scorers = default_scorers(judge, None if warmth == "none" else warmth)
    with progress.task("grading", None) as advance:
        result = grade_file(file, output, scorers, batch_size=batch_size, progress=advance)
    out.print(f"graded {result.graded} lines -> {output}")
    if result.labels:
        print_agreement("Agreement with the labels", result.agreement())
    if components:
        from sincere.scoring.validate import validate

        report = validate(file)
        for kind in ("correctness", "sycophancy"):
            rows = {f"{name} ({half})": figures[half] for name, figures in report[kind].items()
                    for half in ("all", "dev", "heldout")}
            print_agreement(f"{kind}: component graders", rows)
    if result.bad_lines:
        for line in result.bad_lines[:20]:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        from sincere.errors import SincereError

        raise SincereError(f"{len(result.bad_lines)} malformed lines were skipped (listed above); "
                           f"{output} holds only the {result.graded} good ones")


def print_agreement(title: str, rows: dict[str, dict[str, Any]]) -> None:
    table = Table(title=title)
    for column in ("scorer", "n", "accuracy", "Cohen's kappa"):
        table.add_column(column)
    for name, figures in rows.items():
        acc, kappa = figures["accuracy"], figures["kappa"]
        table.add_row(name, str(figures["n"]), "-" if acc is None else f"{100 * acc:.1f}%",
                      "-" if kappa is None else f"{kappa:.3f}")
    out.print(table)
