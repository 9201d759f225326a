"""`sincere train sft|dpo|grpo|sweep|recipes`: recipes on TRL trainers, one flag per recipe field.

The flags of `sft`, `dpo` and `grpo` are generated from the recipe dataclasses
(`sincere.train.recipe`), so each YAML key is a flag with the same help text; a flag overrides
the recipe's value. Heavy imports (torch, TRL) happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from sincere.cli import fields
from sincere.cli.app import app, err, out
from sincere.train.recipe import RECIPES, Recipe
from sincere.train.recipe_io import load
from sincere.train.sweep import SweepConfig

train_app = typer.Typer(help="Train warm and right: SFT, DPO or GRPO recipes, with scorer rewards, an accuracy "
                        "floor and a live mini-audit monitor.", no_args_is_help=True)
app.add_typer(train_app, name="train")

RECIPE_HELP = "A shipped recipe (warm-sft, balanced, balanced-dpo, balanced-grpo) or a YAML file; flags override it."
OUT_HELP = "Run folder (new or empty; default: runs/train-<recipe or trainer>)."


def _register_trainer(kind: str) -> None:
    extras = [fields.extra("recipe_ref", Optional[str], typer.Option(None, "--recipe", "-r", help=RECIPE_HELP)),  # noqa: UP045
              fields.extra("out_dir", Optional[Path], typer.Option(None, "--out", "-o", help=OUT_HELP))]  # noqa: UP045
    fields.command(train_app, kind, RECIPES[kind], run_trainer, extras=extras, default_label="recipe default",
                   loader=lambda given, extra: load(kind, extra["recipe_ref"], given, flags=True),
                   doc=(RECIPES[kind].__doc__ or "").splitlines()[0])


def run_trainer(recipe: Recipe, recipe_ref: str | None = None, out_dir: Path | None = None) -> None:
    """Train the recipe (`--recipe` and the flags), and print where everything went."""
    from sincere.train.run import train

    name = Path(recipe_ref).stem if recipe_ref else recipe.trainer
    out_dir = out_dir or Path("runs") / f"train-{name}"
    err.print(f"training {recipe.trainer} ({name}) on {recipe.model} into {out_dir}", highlight=False)
    summary = train(recipe, out_dir)
    if summary:  # other processes of a distributed run return an empty summary
        print_summary(summary, out_dir)


def print_summary(summary: dict[str, Any], out_dir: Path) -> None:
    """The monitor's evaluations as a table, the guardrail's verdict and the outputs."""
    if summary.get("monitor"):
        table = Table(title="monitor (probe set)")
        numbers = ["accuracy", "sycophancy", "warmth"]
        if any(row.get("projection") is not None for row in summary["monitor"]):
            numbers.append("projection")  # with vectors: the probe replies' mean projection on the trait
        for column in ("step", *numbers, "action"):
            table.add_column(column)
        for row in summary["monitor"]:
            cells = [row.get(c) for c in numbers]
            table.add_row(str(row["step"]), *("-" if v is None else f"{v:.3f}" for v in cells), row.get("action", ""))
        out.print(table)
    if summary.get("stopped"):
        stop = summary["stopped"]
        out.print(f"guardrail at step {stop['step']}: {stop['reason']} ({stop['action']})", highlight=False)
    out.print(f"{summary['trainer']}: {summary['steps']} steps in {summary['seconds']} s; data {summary['data']}",
              highlight=False)
    out.print(f"Model in {out_dir / 'model'}; recipe.yaml, metrics.csv, report.html in {out_dir}/", highlight=False)


for _kind in RECIPES:
    _register_trainer(_kind)


@train_app.command("recipes")
def recipes() -> None:
    """List the shipped recipes and what they train."""
    from sincere.train.recipe_io import read_source, shipped

    for name in shipped():
        _, data = read_source(name)
        out.print(f"{name}: {data.get('trainer', '?')} - {data.get('description', '')}".rstrip(" -"), highlight=False)


def run_sweep(config: SweepConfig) -> None:
    """Train one run per weight setting, audit each, and plot the warmth-error front."""
    from sincere.train.sweep import sweep

    result = sweep(config)
    table = Table(title="warmth-error front (* = non-dominated)")
    for column in ("run", "weights", "error", "sycophancy", "warmth", "front"):
        table.add_column(column)
    for row in result["runs"]:
        cells = [row.get(c) for c in ("error", "sycophancy", "warmth")]
        table.add_row(row["name"], row["weights"], *("-" if v is None else f"{v:.3f}" for v in cells),
                      "*" if row["front"] else "")
    out.print(table)
    out.print(f"Plot and table in {config.out}/ (front.png, front.svg, front.csv, sweep.json)", highlight=False)


fields.command(train_app, "sweep", SweepConfig, run_sweep)
