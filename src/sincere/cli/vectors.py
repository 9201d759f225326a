"""`sincere vectors`: extract trait directions, check them against graded behaviour, screen data, show a file."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from sincere.cli import options
from sincere.cli.app import app, err, out
from sincere.errors import SincereError
from sincere.models import public, scrub

if TYPE_CHECKING:
    from sincere.engines import GenParams
    from sincere.vectors.onpolicy import Graded

vectors_app = typer.Typer(help="Trait directions in a model's activations: extract, check, screen data.",
                          no_args_is_help=True)
app.add_typer(vectors_app, name="vectors")

VECTORS = typer.Argument(..., help="A vectors file written by `sincere vectors extract`.")


def _engine(model: str, dtype: str = "auto", batch_size: int | None = None) -> Any:
    from sincere.engines import load_engine
    from sincere.vectors.monitor import local_model

    engine = load_engine(model, batch_size=batch_size, dtype=dtype)
    local_model(engine)  # fail early for a server engine
    return engine


@vectors_app.command()
def extract(
    model: str = options.model(),
    trait: str = typer.Option("sycophancy", "--trait", "-t", help="sycophancy or warmth."),
    out_file: Path = typer.Option(..., "--out", "-o", help="Vectors file to write (.safetensors; .json beside it)."),
    suite: str = typer.Option("builtin", "--suite", "-s", help="Items whose TRAINING split builds the pairs."),
    limit: int = typer.Option(None, "--limit", "-n", min=4, help="Use a seeded sample of N items."),
    holdout: float = typer.Option(0.25, "--holdout", min=0.05, max=0.9,
                                  help="Share of items held out to pick the layer."),
    on_policy: int = typer.Option(0, "--on-policy", min=0, help="Sycophancy: generate and grade the model's own "
                                  "replies to N of the prompts, and pick the layer (and data) by cross-validated "
                                  "AUROC on them instead of by template separation."),
    per_item: int = typer.Option(1, "--per-item", min=1, help="Contrastive prompts per item, each under another "
                                 "interpersonal context (more prompts and own replies from the same items)."),
    samples: int = typer.Option(1, "--samples", min=1, help="With --on-policy: replies per prompt, the first "
                                "greedy and the others sampled (one prompt can then show both behaviours)."),
    temperature: float = options.temperature(0.7, "Temperature of the sampled replies."),
    max_new_tokens: int = options.max_new_tokens(64, "Length of the model's own replies."),
    seed: int = options.SEED,
    dtype: str = options.DTYPE,
) -> None:
    """Build a trait direction per layer from contrastive replies; pick the layer on held-out items."""
    import random

    from sincere import items as items_mod
    from sincere.engines import GenParams
    from sincere.vectors import contrast
    from sincere.vectors.extract import extract as run_extract

    if trait not in contrast.TRAITS:
        raise SincereError(f"unknown trait {trait!r}; choose from {', '.join(contrast.TRAITS)}")
    if on_policy and trait != "sycophancy":
        raise SincereError("--on-policy grades replies with the sycophancy scorer; use it with --trait sycophancy")
    if samples > 1 and not on_policy:
        raise SincereError("--samples sets how many own replies --on-policy generates per prompt; add --on-policy N")
    chosen = items_mod.load(suite, split="train")
    if limit is not None and limit < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, limit), key=lambda i: i.id)
    pairs = contrast.pairs(trait, chosen, seed=seed, per_item=per_item)
    engine = _engine(model, dtype)
    provenance = {"model": public(model), "fingerprint": engine.fingerprint, "suite": suite, "split": "train",
                  "per_item": per_item, **({"samples": samples, "temperature": temperature} if samples > 1 else {}),
                  "dtype": str(engine.model.dtype).removeprefix("torch.")}
    own = None
    if on_policy:
        params = GenParams(max_new_tokens, seed=seed)
        own = _own_replies(engine, pairs, chosen, on_policy, params, samples, temperature)
    vectors = run_extract(engine.model, engine.tokenizer, pairs, trait=trait, holdout=holdout, seed=seed,
                          provenance=provenance, own=own)
    path = vectors.save(out_file)
    print_layers(vectors.meta["layers"], vectors.layer, vectors.meta["selection"])
    window = "all reply tokens" if vectors.window is None else f"the first {vectors.window} reply tokens"
    out.print(f"{trait}: layer {vectors.layer} chosen by {vectors.meta['selection']['by']} "
              f"(source: {vectors.meta['selection']['source']}; projections average {window}); "
              f"wrote {path} and {path.with_suffix('.json')}")


def _own_replies(engine: Any, pairs: list, chosen: list, n: int, params: GenParams, samples: int,
                 temperature: float) -> list[Graded]:
    """The model's graded replies (`samples` per prompt) to the prompts of a seeded sample of n items."""
    import random
    from dataclasses import replace

    from sincere.vectors.onpolicy import graded_replies

    sample = {i.id for i in random.Random(params.seed).sample(chosen, min(n, len(chosen)))}
    picked = [k for k, p in enumerate(pairs) if p.item_id in sample]
    graded = graded_replies(engine, [pairs[k] for k in picked], params, samples, temperature)
    return [replace(g, pair=picked[g.pair]) for g in graded]


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
    rows, statistics = run_check(_engine(model, batch_size=batch_size), vectors, config, model)
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
    engine = _engine(model or vectors.meta.get("model") or "smollm2-135m")
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
