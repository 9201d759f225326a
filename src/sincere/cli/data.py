"""`sincere data ...`: audit, rebalance, rewrite, augment and convert training data.

Inputs (FILE): a JSONL file (`messages`, `prompt`/`completion` or `prompt`/`chosen`/`rejected`), a
JSON array file, `hf:NAME[:CONFIG][:SPLIT]` or `builtin:corpus`. Malformed records are skipped,
counted and listed with their line numbers; the outputs are still written, say they are
incomplete, and the command exits with code 2. No command writes over its input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from sincere.cli import fields
from sincere.cli.app import app, err, out
from sincere.data import augment as aug
from sincere.data.audit import AuditOptions
from sincere.data.convert import ConvertConfig, convert_file
from sincere.data.rebalance import RebalanceConfig
from sincere.data.rewrite import RewriteOptions

data_app = typer.Typer(help="Training data: audit, rebalance, rewrite (warm/cold), augment, convert.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")

def _say(text: str) -> None:
    """One result line on stdout (not wrapped, no markup)."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _tell(text: str, style: str | None = None) -> None:
    """One message on stderr (not wrapped, no markup), optionally in a style such as 'red'."""
    err.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


def _finish(malformed: dict[str, Any], where: str) -> None:
    """Report malformed records; after the outputs were written, fail with exit code 2 if there were any."""
    from sincere.errors import SincereError

    if not malformed["count"]:
        return
    for bad in malformed["listed"][:10]:
        _tell(f"  malformed: {bad['source']}: {bad['reason']}")
    raise SincereError(f"INCOMPLETE: {malformed['count']} malformed record(s) were skipped (all listed in {where}); "
                       "the outputs hold everything else")


def run_audit(config: AuditOptions) -> None:
    """Measure every example: warmth, query type, claims, correctness, length, duplicates, drift (and projections)."""
    from sincere.data.audit import run

    summary = run(config.file, config.out, config)
    _print_audit(summary)
    if summary.get("periods"):
        _print_periods(summary["periods"])
    _say(f"\nResults in {config.out}/ (examples.jsonl, summary.json, report.html)")
    _finish(summary["malformed"], str(Path(str(config.out)) / "summary.json"))


def _print_periods(block: dict[str, Any]) -> None:
    """The measures per period, flagged periods marked."""
    share = lambda s: "-" if s["share"] is None else f"{100 * s['share']:.0f}% ({s['n']})"  # noqa: E731
    mean = lambda m: "-" if m["mean"] is None else f"{m['mean']:.2f}"  # noqa: E731
    table = Table(title=f"By {block['by']}: against {block['reference']} (* differs, BH-adjusted p < "
                  f"{block.get('alpha', 0.05)})", title_justify="left")
    for column in ("period", "n", "goes along", "declines", "warmth", "projection"):
        table.add_column(column)
    for period in block["periods"]:
        cells = [share(period["goes_along"]), share(period["declines"]), mean(period["warmth"]),
                 mean(period["projection_difference"])]
        names = ("goes_along", "declines", "warmth", "projection_difference")
        marked = [cell + ("*" if name in period["flags"] else "") for cell, name in zip(cells, names, strict=True)]
        table.add_row(period["period"], str(period["n"]), *marked)
    out.print(table)
    flagged = [p["period"] for p in block["periods"] if p["flags"]]
    _say(f"Periods that differ from {block['reference']}: {', '.join(flagged) if flagged else 'none'}"
         + (f"; {block['undated']} records had no readable time" if block["undated"] else ""))


def _print_audit(summary: dict[str, Any]) -> None:
    basis = {"warmth": "tone"}.get(summary["warmth_basis"], summary["warmth_basis"])
    table = Table(title=f"{summary['input']}: {summary['n_examples']} examples (warmth: {basis})")
    for column in ("query type", "share", "warmth low / medium / high"):
        table.add_column(column)
    for row in summary["query_types"]:
        levels = " / ".join(str(summary["mix"].get(f"{row['name']}/{lvl}", 0)) for lvl in ("low", "medium", "high"))
        table.add_row(row["name"], f"{100 * row['share']:.1f}% ({row['count']})", levels)
    out.print(table)
    pct = {k: f"{100 * v:.1f}%" for k, v in summary["shares"].items()}
    flags = ", ".join(f"{k} {v}" for k, v in summary["flags"].items()) or "none"
    _say(f"warmth-heavy {pct['warmth_heavy']}, accuracy-critical {pct['accuracy_critical']}, both "
              f"{pct['warmth_heavy_and_accuracy_critical']}; flagged {summary['n_flagged']}: {flags}")
    if summary.get("projection"):
        _print_projection(summary["projection"])


def _print_projection(block: dict[str, Any]) -> None:
    signed = lambda v: "-" if v is None else f"{v:+.3f}"  # noqa: E731
    mean = block["mean_difference"]
    _say(f"projection on {block['trait']} (layer {block['layer']}, own replies of {block['model']}): mean difference "
         f"{signed(mean['mean'])} [{signed(mean['low'])}, {signed(mean['high'])}] over {block['n']} examples "
         f"({block['n_skipped']} skipped: no prompt before the reply); flagged {block['n_flagged']} "
         f"(difference >= {signed(block['threshold'])})")


def run_rebalance(config: RebalanceConfig) -> None:
    """A new dataset with a target mix over query types and warmth levels; drops listed in a manifest."""
    from sincere.data import rebalance as reb

    result = reb.run(config)
    table = Table(title=f"{result['n_input']} -> {result['n_output']} examples "
                        f"({result['n_downweighted']} down-weighted, {result['n_dropped']} dropped)")
    for column in ("cell (type/warmth)", "available", "kept"):
        table.add_column(column)
    for cell, counts in result["cells"].items():
        table.add_row(cell, str(counts["available"]), str(counts["kept"]))
    out.print(table)
    _say(f"wrote {config.out}; every dropped example and why: {config.manifest_path()}")
    _finish(result["malformed"], str(config.manifest_path()))


def run_rewrite(config: RewriteOptions) -> None:
    """Restyle every assistant turn warm or cold, checking each rewrite for drift in meaning and facts."""
    from sincere.data.rewrite import rewrite_file, summary_path

    summary = rewrite_file(config.file, config.out, config)
    _say(f"wrote {summary['written']} examples to {config.out} ({config.style}, by {config.teacher or 'rules'}); "
         f"{summary['n_flagged']} flagged for drift, {summary['n_dropped']} dropped; "
         f"details in {summary_path(Path(str(config.out)))}")
    for flagged in summary["flagged"][:5]:
        _tell(f"  flagged {flagged['id']}: {'; '.join(flagged['reasons'])[:160]}")
    _finish(summary["malformed"], str(summary_path(Path(str(config.out)))))


def run_augment(config: aug.AugmentConfig) -> None:
    """Adversarial training examples (contexts, false beliefs, pushback, synthetic claims) from train items."""
    made, result = aug.run(config)
    if made.overlap:
        _tell(f"WARNING: {len(made.overlap)} items are also used for evaluation (kept because of "
              "--allow-overlap); evaluations on them are contaminated.", "bold red")
    check = result["self_check"]
    _say(f"wrote {result['written']} {config.format} examples from {len(made.items)} items to {config.out}; "
         f"self-check: {check['chosen_not_graded_correct']['count']} chosen replies not graded correct, "
         f"{check['rejected_graded_correct']['count']} rejected replies graded correct")




def run_convert(config: ConvertConfig) -> None:
    """Read any supported format or source and write JSONL (e.g. an HF dataset to a local file)."""
    written, malformed = convert_file(config)
    _say(f"wrote {written} examples to {config.out}")
    _finish(malformed, "the lines above")


for _name, _cls, _run in (("audit", AuditOptions, run_audit), ("rebalance", RebalanceConfig, run_rebalance),
                          ("rewrite", RewriteOptions, run_rewrite), ("augment", aug.AugmentConfig, run_augment),
                          ("convert", ConvertConfig, run_convert)):
    fields.command(data_app, _name, _cls, _run)
