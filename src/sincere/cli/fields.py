"""CLI commands whose flags are generated from a settings dataclass (`sincere.settings`).

Every field with `cli=True` becomes one flag (or, when its flags name no dash, the positional
argument) with the field's help text and default; a flag left out is not passed on, so a YAML
file (`--config`, `--recipe`) or the dataclass default decides.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Optional

import typer

from sincere import settings

#: The option that reads a YAML file of settings, shared by the commands that have one.
CONFIG_HELP = "A YAML file of settings (its keys are the flags' names with _ for -); flags override it."


def config_option() -> inspect.Parameter:
    """`--config FILE`."""
    return extra("config", Optional[Path], typer.Option(None, "--config", help=CONFIG_HELP))  # noqa: UP045


def extra(name: str, annotation: Any, info: Any) -> inspect.Parameter:
    """A parameter of a generated command that is not a settings field (e.g. --config)."""
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=annotation)


def shown(f: dataclasses.Field[Any]) -> str:
    """A field's default as the help text shows it."""
    value = settings.default_of(f)
    if isinstance(value, dict):
        return ",".join(f"{k}={v:g}" for k, v in value.items())
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def option(f: dataclasses.Field[Any], hint: Any, default_label: str = "default") -> inspect.Parameter:
    """The CLI parameter of one field (default None: 'not given')."""
    names = list(settings.flag_names(f))
    help_text = f.metadata["help"]
    if "default" not in help_text:
        help_text += f" ({default_label}: {shown(f)})"
    inner, _ = settings.optional(hint)
    if not names[0].startswith("-"):
        info = typer.Argument(None, help=help_text, metavar=names[0], show_default=False)
        return extra(f.name, Optional[str], info)  # noqa: UP045
    annotation: Any = Optional[str]  # noqa: UP045 (typer reads annotations at runtime)
    metavar = {int: "INT", float: "NUMBER", str: "TEXT"}.get(inner, "NAME=W,...")
    if inner is bool:
        long = names[0][2:]
        names, annotation, metavar = [f"--{long}/--no-{long}", *names[1:]], Optional[bool], None  # noqa: UP045
    elif typing.get_origin(inner) is Literal:
        annotation, metavar = Optional[inner], None  # noqa: UP045
    elif typing.get_origin(inner) is list:
        annotation, metavar = Optional[list[str]], "TEXT"  # noqa: UP045
    info = typer.Option(None, *names, help=help_text, metavar=metavar, show_default=False)
    return extra(f.name, annotation, info)


def cli_fields(cls: type) -> list[dataclasses.Field[Any]]:
    """The fields of `cls` that are flags."""
    return [f for f in settings.settable(cls) if f.metadata.get("cli", True)]


def command(group: typer.Typer, name: str, cls: type, body: Callable[..., None], *,
            extras: Sequence[inspect.Parameter] = (), doc: str | None = None, default_label: str = "default",
            loader: Callable[[dict[str, Any], dict[str, Any]], Any] | None = None) -> None:
    """Register `name` on `group`: one flag per field of `cls`, `--config FILE`, and `extras`. The command
    calls `body(settings, **extra_values)`, the settings built from the file and the flags given (or by
    `loader(flags_given, extra_values)`, which replaces `--config`, as the trainers' `--recipe` does)."""
    hints = typing.get_type_hints(cls)
    fields = cli_fields(cls)
    arguments = [f for f in fields if not settings.flag_names(f)[0].startswith("-")]
    flags = [f for f in fields if f not in arguments]
    extras = list(extras) if loader else [config_option(), *extras]
    parameters = [*(option(f, hints[f.name], default_label) for f in arguments), *extras,
                  *(option(f, hints[f.name], default_label) for f in flags)]
    names = {f.name for f in fields}

    def run(**kwargs: Any) -> None:
        given = {k: v for k, v in kwargs.items() if k in names and v is not None and v != []}
        extra = {k: v for k, v in kwargs.items() if k not in names}
        if loader is not None:
            body(loader(given, extra), **extra)
        else:
            body(settings.load(cls, extra.pop("config"), given, flags=True), **extra)

    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    run.__doc__ = doc or body.__doc__ or (cls.__doc__ or "").splitlines()[0]
    run.__name__ = name
    run.__settings__ = cls  # type: ignore[attr-defined]  # what tests and docs read the flags from
    group.command(name)(run)
