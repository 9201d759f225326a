"""The README's `sincere ...` command lines run as written: each names a command that exists, and
every option it gives is one that command takes, and the values pass the command's settings checks
(issue 15: no flag removed). Lines are parsed by the real CLI (click's parser) and its settings
classes; nothing runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import typer.main

from sincere.cli.main import app
from sincere.settings import build

README = Path(__file__).parents[1] / "README.md"
LINE = re.compile(r"^\s*(?:\$ |- run: |- )?(sincere (?:[a-z].*))$")


def command_lines() -> list[str]:
    """Every README line that is a sincere command, comments and shell continuations cut off."""
    found = []
    for line in README.read_text(encoding="utf-8").splitlines():
        match = LINE.match(line)
        if match:
            text = match.group(1).split("  #")[0].split(" && ")[0].split(" | ")[0].strip()
            found.append(text)
    return found


def test_the_readme_has_command_lines() -> None:
    assert len(command_lines()) >= 30


@pytest.mark.parametrize("line", command_lines())
def test_each_readme_command_parses(line: str) -> None:
    words = shlex.split(line.replace("${{", "{").replace("}}", "}"))[1:]
    command: click.Command = typer.main.get_command(app)
    path = []
    while isinstance(command, click.Group) and words and words[0] in command.commands:
        path.append(words[0])
        command = command.commands[words.pop(0)]
    assert not isinstance(command, click.Group), f"{line}: no such command"
    if "--help" in words:
        return
    context = command.make_context(" ".join(["sincere", *path]), list(words), resilient_parsing=False)
    settings_class = getattr(command.callback, "__settings__", None)
    if settings_class is None or context.params.get("config"):
        return
    given = {k: v for k, v in context.params.items() if v is not None and v != [] and k not in ("config", "recipe_ref",
                                                                                                  "out_dir")}
    if path and path[0] == "train" and path[-1] != "sweep":  # a recipe's settings are checked with the recipe
        from sincere.train.recipe_io import load

        load(path[-1], context.params.get("recipe_ref"), given, flags=True)
        return
    build(settings_class, overrides=given, flags=True)  # types, ranges and cross-checks, no file read
