"""`sincere vectors`: extract trait directions, check them against graded behaviour, screen data, show a file."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from sincere.cli import fields
from sincere.cli.app import app, err, out
from sincere.vectors.configs import CheckConfig, ExtractConfig, ScreenConfig, ShowConfig
from sincere.vectors.pipeline import check_file, extract_file, screen_file

vectors_app = typer.Typer(help="Trait directions in a model's activations: extract, check, screen data.",
                          no_args_is_help=True)
app.add_typer(vectors_app, name="vectors")



def run_extract(config: ExtractConfig) -> None:
    """Build a trait direction per layer from contrastive replies; pick the layer on held-out items."""
    vectors, path = extract_file(config)
    print_layers(vectors.meta["layers"], vectors.layer, vectors.meta["selection"])
    window = "all reply tokens" if vectors.window is None else f"the first {vectors.window} reply tokens"
    out.print(f"{vectors.trait}: layer {vectors.layer} chosen by {vectors.meta['selection']['by']} "
              f"(source: {vectors.meta['selection']['source']}; projections average {window}); "
              f"wrote {path} and {path.with_suffix('.json')}")




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


def run_show(config: ShowConfig) -> None:
    """Print a vectors file's provenance and per-layer separation."""
    from sincere.vectors.store import load

    vectors = load(str(config.vectors))
    selection = vectors.meta.get("selection", {})
    print_layers(vectors.meta.get("layers", []), vectors.layer, selection)
    brief = {k: v for k, v in vectors.provenance().items() if k not in ("layers", "item_ids", "held_out_ids")}
    brief["selection"] = {k: v for k, v in selection.items() if k != "cv"}
    out.print_json(json.dumps(brief))


def _auc(cell: dict[str, Any]) -> str:
    if cell.get("metric") != "auroc" or cell.get("auroc") is None:
        return "-"
    return f"{cell['auroc']:.3f} [{cell['low']:.3f}-{cell['high']:.3f}]"


def run_check(config: CheckConfig) -> None:
    """How well the projection predicts graded endorsement on held-out items (AUROC, 95% CI)."""
    _, statistics = check_file(config)
    print_check(statistics)
    if config.out:
        err.print(f"wrote {config.out}/results.jsonl and summary.json")


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


def run_screen(config: ScreenConfig) -> None:
    """Projection difference (dataset reply minus the model's own) per training example; flag the top."""
    from sincere.vectors.screen import summarise

    examples, rows, malformed = screen_file(config)
    summary = summarise(rows)
    mean = summary["mean_difference"]
    out.print(f"{len(rows)} examples ({malformed} malformed skipped); mean projection difference "
              f"{mean['mean']:+.3f} [{mean['low']:+.3f}, {mean['high']:+.3f}]; flagged {summary['n_flagged']}")
    for row in sorted((r for r in rows if r.flagged), key=lambda r: -(r.difference or 0))[:10]:
        out.print(f"  {examples[row.index].id}: {row.difference:+.3f}")
    if config.out:
        err.print(f"wrote {config.out}")


for _name, _cls, _run in (("extract", ExtractConfig, run_extract), ("show", ShowConfig, run_show),
                          ("check", CheckConfig, run_check), ("screen", ScreenConfig, run_screen)):
    fields.command(vectors_app, _name, _cls, _run)
