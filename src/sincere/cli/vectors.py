"""`sincere vectors`: extract trait directions, check them against graded behaviour, screen data, show a file."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from sincere.cli import fields, options
from sincere.cli.app import app, err, out
from sincere.models import public, scrub
from sincere.vectors.pipeline import ExtractConfig, extract_file, local_engine

vectors_app = typer.Typer(help="Trait directions in a model's activations: extract, check, screen data.",
                          no_args_is_help=True)
app.add_typer(vectors_app, name="vectors")

VECTORS = typer.Argument(..., help="A vectors file written by `sincere vectors extract`.")


def run_extract(given: dict[str, Any], extra: dict[str, Any]) -> None:
    """Build a trait direction per layer from contrastive replies; pick the layer on held-out items."""
    from sincere.settings import load

    vectors, path = extract_file(load(ExtractConfig, extra["config"], given, flags=True))
    print_layers(vectors.meta["layers"], vectors.layer, vectors.meta["selection"])
    window = "all reply tokens" if vectors.window is None else f"the first {vectors.window} reply tokens"
    out.print(f"{vectors.trait}: layer {vectors.layer} chosen by {vectors.meta['selection']['by']} "
              f"(source: {vectors.meta['selection']['source']}; projections average {window}); "
              f"wrote {path} and {path.with_suffix('.json')}")


fields.command(vectors_app, "extract", ExtractConfig, run_extract, extras=[fields.config_option()],
               doc=run_extract.__doc__)


def print_layers(layers: list[dict[str, Any]], chosen: int, selection: dict[str, Any] | None = None) -> None:
    """The per-layer table: direction norm, held-out template separation, and the on-policy CV AUROC."""
    cv = (selection or {}).get("cv", {})
    table = Table(title="per layer: held-out template separation; cross-validated AUROC on the model's own replies")
    for column in ("layer", "norm", "AUROC", "Cohen's d", *(f"own CV: {source}" for source in cv)):
        table.add_column(column)
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    for row in layers:
        mark = " *" if row["layer"] == chosen else ""
        table.add_row(f"{row['layer']}{mark}", f"{row['norm']:.2f}", fmt(row["auroc"]), fmt(row["d"]),
                      *(fmt(values[row["layer"]]) for values in cv.values()))
    out.print(table)


@vectors_app.command()
def show(vectors_file: Path = VECTORS) -> None:
    """Print a vectors file's provenance and per-layer separation."""
    from sincere.vectors.store import load

    vectors = load(vectors_file)
    selection = vectors.meta.get("selection", {})
    print_layers(vectors.meta.get("layers", []), vectors.layer, selection)
    brief = {k: v for k, v in vectors.provenance().items() if k not in ("layers", "item_ids", "held_out_ids")}
    brief["selection"] = {k: v for k, v in selection.items() if k != "cv"}
    out.print_json(json.dumps(brief))


def _auc(cell: dict[str, Any]) -> str:
    if cell.get("metric") != "auroc" or cell.get("auroc") is None:
        return "-"
    return f"{cell['auroc']:.3f} [{cell['low']:.3f}-{cell['high']:.3f}]"


@vectors_app.command()
def check(
    vectors_file: Path = VECTORS,
    model: str = typer.Option(None, "--model", "-m", help="Model (default: the one the vectors came from)."),
    suite: str = typer.Option("builtin", "--suite", "-s", help="Items (evaluation split), as in `sincere audit`."),
    conditions: str = typer.Option("unmodified+incorrect,sad+incorrect", "--conditions", "-c",
                                   help="False-belief conditions to answer."),
    limit: int = typer.Option(None, "--limit", "-n", help="A seeded sample of N items."),
    layer: int = typer.Option(None, "--layer", help="Layer to project on (default: the file's chosen layer)."),
    max_new_tokens: int = options.max_new_tokens(64),
    out_dir: Path = typer.Option(None, "--out", "-o", help="Also write results.jsonl and summary.json here."),
    seed: int = options.SEED,
    batch_size: int = options.BATCH_SIZE,
) -> None:
    """How well the projection predicts graded endorsement on held-out items (AUROC, 95% CI)."""
    from sincere import jsonl
    from sincere.vectors.check import CheckConfig, run_check
    from sincere.vectors.store import load

    vectors = load(vectors_file)
    model = model or vectors.meta.get("model") or "smollm2-135m"
    config = CheckConfig(suite, conditions, limit, seed, max_new_tokens, layer=layer)
    rows, statistics = run_check(local_engine(model, batch_size=batch_size), vectors, config, model)
    print_check(statistics)
    if out_dir:
        with jsonl.atomic_writer(out_dir / "results.jsonl") as handle:
            handle.writelines(jsonl.dumps(row) + "\n" for row in rows)
        with jsonl.atomic_writer(out_dir / "summary.json") as handle:
            json.dump({"config": scrub(asdict(config)), "model": public(model), "vectors": str(vectors_file),
                       "statistics": statistics}, handle, indent=1)
        err.print(f"wrote {out_dir}/results.jsonl and summary.json")


def print_check(statistics: dict[str, Any]) -> None:
    """AUROC of the projections predicting the graded label, per condition and pooled."""
    label = statistics.get("label", "label")
    table = Table(title=f"projection on {statistics.get('trait')} @ layer {statistics.get('layer')} "
                        f"predicting {label} (AUROC, 95% bootstrap CI)")
    for column in ("condition", "rows", "labelled", f"{label}=1", "response", "last prompt token"):
        table.add_column(column)
    blocks = [*statistics.get("by_condition", []), {"condition": "all labelled", **statistics.get("labelled", {})}]
    for block in blocks:
        response = block.get("response", {})
        table.add_row(block["condition"], str(block.get("n_rows", 0)), str(response.get("n", "-")),
                      str(response.get("n_positive", "-")), _auc(response), _auc(block.get("prompt_last", {})))
    out.print(table)


@vectors_app.command()
def screen(
    vectors_file: Path = VECTORS,
    data: str = typer.Option(..., "--data", "-d", help="Training data: JSONL/JSON file, hf:NAME, builtin:corpus."),
    model: str = typer.Option(None, "--model", "-m", help="Model (default: the one the vectors came from)."),
    share: float = typer.Option(0.1, "--share", min=0.0, max=1.0, help="Share of examples to flag."),
    limit: int = typer.Option(None, "--limit", "-n", min=1, help="Screen only the first N examples."),
    max_new_tokens: int = options.max_new_tokens(64, "Length of the model's own replies."),
    output: Path = typer.Option(None, "--out", "-o", help="Write one JSON line per example here."),
) -> None:
    """Projection difference (dataset reply minus the model's own) per training example; flag the top."""
    from itertools import islice

    from sincere import jsonl
    from sincere.data import sources
    from sincere.engines import GenParams
    from sincere.vectors.screen import screen_engine, summarise
    from sincere.vectors.store import load

    vectors = load(vectors_file)
    problems = sources.Problems()
    examples = list(islice(sources.examples(data, problems), limit))
    engine = local_engine(model or vectors.meta.get("model") or "smollm2-135m")
    rows = screen_engine(engine, [list(e.messages) for e in examples], vectors, share=share,
                         params=GenParams(max_new_tokens=max_new_tokens))
    summary = summarise(rows)
    mean = summary["mean_difference"]
    out.print(f"{len(rows)} examples ({problems.count} malformed skipped); mean projection difference "
              f"{mean['mean']:+.3f} [{mean['low']:+.3f}, {mean['high']:+.3f}]; flagged {summary['n_flagged']}")
    for row in sorted((r for r in rows if r.flagged), key=lambda r: -(r.difference or 0))[:10]:
        out.print(f"  {examples[row.index].id}: {row.difference:+.3f}")
    if output:
        with jsonl.atomic_writer(output, protect=sources.input_paths(data)) as handle:
            handle.writelines(jsonl.dumps({"id": examples[r.index].id, **r.as_dict()}) + "\n" for r in rows)
        err.print(f"wrote {output}")
