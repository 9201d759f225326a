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

from sincere.cli import fields, options
from sincere.cli.app import app, err, out
from sincere.data import augment as aug

data_app = typer.Typer(help="Training data: audit, rebalance, rewrite (warm/cold), augment, convert.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")

SOURCE_HELP = "JSONL/JSON file, hf:NAME[:CONFIG][:SPLIT] (hub id or local folder), or builtin:corpus."
EMBEDDING = typer.Option("minilm", "--embedding-model", help="Sentence embeddings ('none': rules and lexical "
                         "checks only, no near-duplicates or meaning coverage).")
MIN_SIMILARITY = typer.Option(0.55, "--min-similarity", min=0.0, max=1.0,
                              help="Meaning coverage of an original by its rewrite below this is drift.")


def _say(text: str) -> None:
    """One result line on stdout (not wrapped, no markup)."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _tell(text: str, style: str | None = None) -> None:
    """One message on stderr (not wrapped, no markup), optionally in a style such as 'red'."""
    err.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


def _none(value: str | None) -> str | None:
    return None if value in (None, "", "none") else value


def _finish(malformed: dict[str, Any], where: str) -> None:
    """Report malformed records; after the outputs were written, fail with exit code 2 if there were any."""
    from sincere.errors import SincereError

    if not malformed["count"]:
        return
    for bad in malformed["listed"][:10]:
        _tell(f"  malformed: {bad['source']}: {bad['reason']}")
    raise SincereError(f"INCOMPLETE: {malformed['count']} malformed record(s) were skipped (all listed in {where}); "
                       "the outputs hold everything else")


@data_app.command("audit")
def audit(
    file: str = typer.Argument(..., help=SOURCE_HELP),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder for examples.jsonl, summary.json, report.html."),
    warmth: str = options.warmth(),
    warmth_frames: int = options.WARMTH_FRAMES,
    embedding: str = EMBEDDING,
    duplicate_threshold: float = typer.Option(0.95, "--duplicate-threshold", help="Cosine for near-duplicates."),
    min_similarity: float = MIN_SIMILARITY,
    warm_high: float = typer.Option(None, "--warm-high", help="Warmth at or above which a reply is warmth-heavy "
                                    "(default: 5.0 for tone, 0.06 for sociot)."),
    warm_low: float = typer.Option(None, "--warm-low", help="Warmth below which it is low (default: 3.5 for tone, "
                                   "0.02 for sociot)."),
    max_words: int = typer.Option(600, "--max-words", min=1, help="Flag replies longer than this."),
    vectors: Path = typer.Option(None, "--vectors", help="A `sincere vectors extract` file: also screen every "
                                 "example by its projection difference (its reply minus the model's own) and flag "
                                 "those pushing the model toward the trait."),
    vectors_model: str = typer.Option(None, "--vectors-model", help="Model whose own replies are compared (default: "
                                      "the one the vectors came from, else smollm2-135m)."),
    vectors_share: float = typer.Option(0.1, "--vectors-share", help="Share of all examples to flag by projection "
                                        "difference (positive differences only)."),
    by: str = typer.Option(None, "--by", help="Drift over time (chat logs): day, week or month, from each record's "
                           "timestamp (or time, created_at, created, date) field."),
    reference: str = typer.Option(None, "--reference", help="With --by: the period the others are tested against "
                                  "(e.g. 2026-12-01; default: the first)."),
) -> None:
    """Measure every example: warmth, query type, claims, correctness, length, duplicates, drift (and projections)."""
    from sincere.data.audit import AuditOptions, run

    config = AuditOptions(
        warmth=warmth, warmth_frames=warmth_frames, embedding_model=_none(embedding),
        duplicate_threshold=duplicate_threshold, min_similarity=min_similarity, warm_high=warm_high,
        warm_low=warm_low, max_words=max_words, vectors=str(vectors) if vectors else None,
        vectors_model=vectors_model, vectors_share=vectors_share, by=by, reference=reference,
    )
    summary = run(file, out_dir, config)
    _print_audit(summary)
    if summary.get("periods"):
        _print_periods(summary["periods"])
    _say(f"\nResults in {out_dir}/ (examples.jsonl, summary.json, report.html)")
    _finish(summary["malformed"], str(out_dir / "summary.json"))


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


@data_app.command("rebalance")
def rebalance(
    file: str = typer.Argument(..., help=SOURCE_HELP),
    audit_dir: Path = typer.Option(..., "--audit", help="The folder `sincere data audit FILE` wrote."),
    output: Path = typer.Option(..., "--out", "-o", help="The rebalanced JSONL."),
    config: Path = typer.Option(None, "--config", help="YAML with query_types, warmth, size, flags, downweight, seed."),
    query_types: str = typer.Option(None, "--query-types", help="even (default), keep, or shares: factual=2,advice=1"),
    warmth: str = typer.Option(None, "--warmth", help="keep (default), even, or shares: low=1,medium=1,high=1"),
    size: int = typer.Option(None, "--size", min=1, help="Examples to keep (default: the most the mix allows)."),
    flags: str = typer.Option(None, "--flags", help="Flag policy overrides, e.g. long=drop,near_duplicate=keep "
                              "(drop | downweight | keep); `projection` (from `data audit --vectors`) is dropped "
                              "by default: projection=keep keeps it."),
    downweight: float = typer.Option(None, "--downweight", help="Weight factor for down-weighted examples (0.5)."),
    seed: int = typer.Option(None, "--seed", min=0, max=options.MAX_SEED,
                              help="Seed for which examples fill each quota (0)."),
    manifest: Path = typer.Option(None, "--manifest", help="Manifest path (default: OUT_STEM.manifest.json)."),
) -> None:
    """A new dataset with a target mix over query types and warmth levels; drops listed in a manifest."""
    from sincere.data import rebalance as reb

    policy = None
    if flags:
        policy = dict(reb.DEFAULT_FLAGS) | dict(part.split("=", 1) for part in flags.split(",") if "=" in part)
    settings = reb.load_config(config, query_types=reb.parse_mix(query_types), warmth=reb.parse_mix(warmth),
                               size=size, flags=policy, downweight=downweight, seed=seed)
    result = reb.run(file, audit_dir, output, settings, manifest)
    table = Table(title=f"{result['n_input']} -> {result['n_output']} examples "
                        f"({result['n_downweighted']} down-weighted, {result['n_dropped']} dropped)")
    for column in ("cell (type/warmth)", "available", "kept"):
        table.add_column(column)
    for cell, counts in result["cells"].items():
        table.add_row(cell, str(counts["available"]), str(counts["kept"]))
    out.print(table)
    where = manifest or output.with_name(f"{output.stem}.manifest.json")
    _say(f"wrote {output}; every dropped example and why: {where}")
    _finish(result["malformed"], str(where))


@data_app.command("rewrite")
def rewrite(
    file: str = typer.Argument(..., help=SOURCE_HELP),
    style: str = typer.Option(..., "--style", help="warm or cold."),
    output: Path = typer.Option(..., "--out", "-o", help="The rewritten JSONL (same format, plus 'original')."),
    teacher: str = typer.Option(None, "--teacher", help="Teacher model (any model spec); default: the offline "
                                "rule-based restyler, which cannot change facts."),
    retries: int = typer.Option(2, "--retries", min=0, help="Retries for a drifting teacher rewrite."),
    on_drift: str = typer.Option("flag", "--on-drift", help="Still drifting after retries: flag (keep the rewrite, "
                                 "flagged), original (keep the original turn) or drop (leave the example out)."),
    min_similarity: float = MIN_SIMILARITY,
    embedding: str = EMBEDDING,
    max_new_tokens: int = options.max_new_tokens(512),
    seed: int = options.SEED,
    batch_size: int = options.BATCH_SIZE,
    no_cache: bool = options.NO_CACHE,
) -> None:
    """Restyle every assistant turn warm or cold, checking each rewrite for drift in meaning and facts."""
    from sincere.data.rewrite import RewriteOptions, rewrite_file, summary_path

    settings = RewriteOptions(style=style, teacher=teacher, retries=retries, min_similarity=min_similarity,  # type: ignore[arg-type]
                              on_drift=on_drift, seed=seed, max_new_tokens=max_new_tokens,  # type: ignore[arg-type]
                              embedding_model=_none(embedding))
    engine = None
    if teacher:
        from sincere.engines import load_engine

        engine = load_engine(teacher, cache=not no_cache, batch_size=batch_size)
    summary = rewrite_file(file, output, settings, engine)
    _say(f"wrote {summary['written']} examples to {output} ({style}, by {teacher or 'rules'}); "
              f"{summary['n_flagged']} flagged for drift, {summary['n_dropped']} dropped; "
              f"details in {summary_path(output)}")
    for flagged in summary["flagged"][:5]:
        _tell(f"  flagged {flagged['id']}: {'; '.join(flagged['reasons'])[:160]}")
    _finish(summary["malformed"], str(summary_path(output)))


def run_augment(given: dict[str, Any], extra: dict[str, Any]) -> None:
    """Adversarial training examples (contexts, false beliefs, pushback, synthetic claims) from train items."""
    from sincere.settings import load

    config = load(aug.AugmentConfig, extra["config"], given, flags=True)
    made, result = aug.run(config)
    if made.overlap:
        _tell(f"WARNING: {len(made.overlap)} items are also used for evaluation (kept because of "
              "--allow-overlap); evaluations on them are contaminated.", "bold red")
    check = result["self_check"]
    _say(f"wrote {result['written']} {config.format} examples from {len(made.items)} items to {config.out}; "
         f"self-check: {check['chosen_not_graded_correct']['count']} chosen replies not graded correct, "
         f"{check['rejected_graded_correct']['count']} rejected replies graded correct")


fields.command(data_app, "augment", aug.AugmentConfig, run_augment, extras=[fields.config_option()],
               doc=run_augment.__doc__)


@data_app.command("convert")
def convert(
    file: str = typer.Argument(..., help=SOURCE_HELP),
    output: Path = typer.Option(..., "--out", "-o", help="The JSONL to write."),
    to: str = typer.Option("keep", "--to", help="keep, messages or prompt_completion."),
    limit: int = typer.Option(None, "--limit", "-n", min=1, help="Only the first N examples."),
) -> None:
    """Read any supported format or source and write JSONL (e.g. an HF dataset to a local file)."""
    from itertools import islice

    from sincere import jsonl, progress
    from sincere.data import formats, sources
    from sincere.errors import SincereError

    if to not in ("keep", "messages", "prompt_completion"):
        raise SincereError("--to must be keep, messages or prompt_completion")
    problems = sources.Problems()
    written = 0
    with jsonl.atomic_writer(output, protect=sources.input_paths(file)) as handle, \
            progress.task("converting", sources.count(file)) as advance:
        for example in islice(sources.examples(file, problems), limit):
            handle.write(jsonl.dumps(formats.convert(example, to).to_record()) + "\n")  # type: ignore[arg-type]
            written += 1
            advance(1)
    _say(f"wrote {written} examples to {output}")
    _finish(problems.as_dict(), "the lines above")
