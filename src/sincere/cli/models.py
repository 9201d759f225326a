"""`sincere models`: list and prepare the models sincere knows."""

from __future__ import annotations

from dataclasses import dataclass

import typer
from rich.table import Table

from sincere import models
from sincere.cli import fields
from sincere.cli.app import app, out
from sincere.errors import SincereError
from sincere.settings import setting

models_app = typer.Typer(help="List and prepare models.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("list")
def list_models() -> None:
    """Show the embedded models, where they live and whether they are ready."""
    table = Table(title="Embedded models")
    for column in ("name", "role", "status", "where"):
        table.add_column(column, overflow="fold")
    for row in models.status():
        table.add_row(row["name"], row["role"], row["status"], row["where"])
    out.print(table)
    out.print(
        "Also accepted anywhere a model is asked for: a Hugging Face id or local directory "
        "(hf:ID), and any OpenAI-compatible server (openai:MODEL@http://host:port/v1)."
    )


@dataclass
class PrepareConfig:
    """`sincere models prepare`: which embedded model to convert."""

    name: str = setting("smollm2-135m", "Embedded model to prepare.", flags=("NAME",))

    def __post_init__(self) -> None:
        if self.name not in models.EMBEDDED:
            raise SincereError(f"unknown embedded model {self.name!r}; choose {', '.join(models.EMBEDDED)}")


def run_prepare(config: PrepareConfig) -> None:
    """Convert an embedded model to its fast-loading cache (done once; later calls are instant)."""
    out.print(f"{config.name}: {models.embedded_dir(config.name)}")


fields.command(models_app, "prepare", PrepareConfig, run_prepare)
