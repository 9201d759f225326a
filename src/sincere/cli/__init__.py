"""The `sincere` command: a thin Typer layer that parses, calls the library and prints."""

from sincere.cli.app import app, main

__all__ = ["app", "main"]
