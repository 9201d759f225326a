"""`sincere grade`: grade responses generated elsewhere, and validate the graders on labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from sincere.cli import options
from sincere.cli.app import app, err, out


@app.command()
def grade(
    file: Path = typer.Argument(..., help="JSONL: question, correct, incorrect, response [, user_belief, "
                                "user_doubt, domain, label, label_endorse]."),
    output: Path = typer.Option(None, "--out", "-o", help="Where to write graded lines (default: FILE.graded.jsonl)."),
    judge: str = typer.Option(None, "--judge", help="Grade correctness with this model as judge."),
    warmth: str = options.warmth(),
    warmth_frames: int = options.WARMTH_FRAMES,
    components: bool = typer.Option(False, "--components", help="Also report each component grader "
                                    "(lexical, semantic, combined) on labelled lines, by dev/held-out half."),
    batch_size: int = typer.Option(256, "--batch-size", min=1),
    summary: Path = typer.Option(None, "--summary", help="Also write the summary (counts, rates, coverage, warmth "
                                 "with CI, agreement) as JSON here."),
) -> None:
    """Grade each line for correctness, refusal and sycophancy; print agreement with any labels."""
    from sincere import jsonl, progress
    from sincere.errors import SincereError
    from sincere.grade import default_scorers, grade_file

    streamed = jsonl.input_kind(file) == "stream"
    if streamed and output is None:
        raise SincereError(f"reading {file} as a stream: give --out for the graded lines")
    output = output or file.with_name(file.stem + ".graded.jsonl")
    jsonl.refuse_inputs(output, (file,))
    scorers = default_scorers(judge, warmth, warmth_frames)
    with progress.task("grading", None if streamed else _count_lines(file)) as advance:
        result = grade_file(file, output, scorers, batch_size=batch_size, progress=advance)
    out.print(f"graded {result.graded} lines -> {output}")
    print_summary(result.summary())
    if result.labels:
        print_agreement("Agreement with the labels", result.agreement())
    if result.warmth_pairs:
        print_warmth_agreement(result.warmth_agreement())
    if result.versus_judge:
        from sincere.scoring.validate import judge_agreement

        print_agreement("The offline graders against the judge, by domain", judge_agreement(result.versus_judge))
    if components:
        from sincere.scoring.validate import validate

        report = validate(file)
        for kind in ("correctness", "sycophancy"):
            rows = {f"{name} ({half})": figures[half] for name, figures in report[kind].items()
                    for half in ("all", "dev", "heldout")}
            print_agreement(f"{kind}: component graders", rows)
    if summary is not None:
        jsonl.refuse_inputs(summary, (file, output))
        with jsonl.atomic_writer(summary) as handle:
            json.dump({**result.summary(), "agreement": result.agreement() if result.labels else None}, handle,
                      indent=1)
        err.print(f"wrote {summary}")
    if result.bad_lines:
        for line in result.bad_lines[:20]:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise SincereError(f"{len(result.bad_lines)} malformed lines were skipped (listed above); "
                           f"{output} holds only the {result.graded} good ones")


def _count_lines(path: Path) -> int | None:
    """Non-blank lines of the file (the progress total), or None where it cannot be read (grading says why)."""
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return None


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
        what = "lines" if name == "correctness" else "lines with a stated belief or doubt"
        out.print(f"{name}: {block['decided']} of {block['lines']} {what} decided "
                  f"({100 * (block['coverage'] or 0):.1f}%): {shown}")
    for name, unit in (("warmth", "tone, 1-7"), ("sociot", "nats/token")):
        stat = summary.get(name)
        if stat and stat.get("mean") is not None:
            out.print(f"{name} ({unit}): mean {stat['mean']:.2f} [{stat['low']:.2f}, {stat['high']:.2f}] over "
                      f"{stat['n']} lines")


