"""`sincere models`: list and prepare the models sincere knows."""

from __future__ import annotations

import typer
from rich.table import Table

from sincere.cli.app import app, out

models_app = typer.Typer(help="List and prepare models.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("list")
def list_models() -> None:
    """Show the embedded models, where they live and whether they are ready."""
    from sincere import models

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


@models_app.command("prepare")
def prepare(name: str = typer.Argument("smollm2-135m", help="Embedded model to prepare.")) -> None:
    """Convert an embedded model to its fast-loading cache (done once; later calls are instant)."""
    from sincere import models
    from sincere.errors import SincereError

    if name not in models.EMBEDDED:
        raise SincereError(f"unknown embedded model {name!r}; choose {', '.join(models.EMBEDDED)}")
    out.print(f"{name}: {models.embedded_dir(name)}")
