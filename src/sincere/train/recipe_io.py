"""Reading recipes: shipped names or YAML files, typed values, unknown keys refused, CLI overrides.

>>> recipe = load("sft", None, {"data": "builtin:corpus", "max_steps": "3"})
>>> recipe.max_steps, recipe.trainer
(3, 'sft')
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from sincere.models import scrub
from sincere.train.recipe import RECIPES, Recipe, RecipeError, settable

NONE_WORDS = ("none", "null", "")


def shipped() -> list[str]:
    """Names of the recipes installed with the package."""
    folder = resources.files("sincere") / "recipes"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def read_source(ref: str) -> tuple[str, dict[str, Any]]:
    """(where, mapping) for a shipped recipe name or a YAML file path."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise RecipeError(f"{ref}: no such recipe file")
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RecipeError(f"{where}: cannot read as UTF-8 text ({exc})") from None
    elif ref in shipped():
        text = (resources.files("sincere") / "recipes" / f"{ref}.yaml").read_text(encoding="utf-8")
        where = f"recipe {ref}"
    else:
        raise RecipeError(f"unknown recipe {ref!r}{_did_you_mean(ref, shipped())}; shipped: {', '.join(shipped())} "
                          "(or give a YAML file)")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RecipeError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: a recipe is a mapping of field: value")
    return where, data


def _did_you_mean(name: str, known: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _hints(cls: type[Recipe]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _optional(hint: Any) -> tuple[Any, bool]:
    """(the type inside `X | None`, whether None is allowed)."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(hint))
    return hint, False


def coerce(name: str, hint: Any, value: Any) -> Any:
    """A YAML or CLI value as the field's type; RecipeError naming the field when it cannot be."""
    inner, nullable = _optional(hint)
    if value is None or (nullable and isinstance(value, str) and value.strip().lower() in NONE_WORDS):
        if nullable:
            return None
        raise RecipeError(f"{name} cannot be none")
    try:
        return _as(inner, value)
    except (TypeError, ValueError) as exc:
        raise RecipeError(f"{name}: {exc}") from None


def _as(kind: Any, value: Any) -> Any:
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(map(str, choices))}")
        return value
    if typing.get_origin(kind) is dict:
        return _weights(value)
    if kind is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
            return value.lower() in ("true", "yes")
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if kind in (int, float):
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        return _number(value) if kind is float else _integer(value)
    if kind is str:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError(f"expected text, got {value!r}")
        return str(value)
    raise TypeError(f"unsupported field type {kind}")  # pragma: no cover - a recipe field of a new type


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number, got {value!r}") from None


def _integer(value: Any) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"expected a whole number, got {value}")
    try:
        return int(value) if not isinstance(value, str) else int(value.strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {value!r}") from None


def _weights(value: Any) -> dict[str, float]:
    """`{name: weight}` from a mapping or from text such as `correctness=1,warmth=0.5`."""
    if isinstance(value, str):
        pairs = [p.partition("=") for p in value.split(",") if p.strip()]
        if any(not sep for _, sep, _ in pairs):
            raise ValueError(f"expected NAME=WEIGHT pairs such as correctness=1,warmth=0.5, got {value!r}")
        value = {k.strip(): v.strip() for k, _, v in pairs}
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping of reward: weight, got {value!r}")
    out = {}
    for key, weight in value.items():
        if isinstance(weight, bool):
            raise ValueError(f"weight of {key} must be a number")
        out[str(key)] = float(weight)
    return out


def load(kind: str, ref: str | None, overrides: dict[str, Any] | None = None) -> Recipe:
    """The recipe for trainer `kind`: defaults, then the YAML of `ref`, then `overrides` (CLI flags)."""
    if kind not in RECIPES:
        raise RecipeError(f"unknown trainer {kind!r}; choose from {', '.join(RECIPES)}")
    cls = RECIPES[kind]
    where, data = read_source(ref) if ref else ("defaults", {})
    data.pop("description", None)  # documentation for `sincere train recipes`, not a setting
    declared = data.pop("trainer", kind)
    if declared != kind:
        raise RecipeError(f"{where} is a {declared} recipe; run: sincere train {declared} --recipe {ref}")
    names = {f.name for f in settable(cls)}
    for key in data:
        if key not in names:
            raise RecipeError(f"{where}: unknown key {key!r}{_did_you_mean(str(key), names)} for a {kind} recipe")
    hints = _hints(cls)
    try:
        values = {k: coerce(k, hints[k], v) for k, v in data.items()}
    except RecipeError as exc:
        raise RecipeError(f"{where}: {exc}") from None
    for key, value in (overrides or {}).items():
        if key not in names:
            raise RecipeError(f"unknown setting {key!r}{_did_you_mean(key, names)} for a {kind} recipe")
        values[key] = coerce(key, hints[key], value)
    try:
        return cls(**values)
    except RecipeError as exc:
        if ref is None or overrides:  # the setting named may come from a flag: no file to blame
            raise
        raise RecipeError(f"{where}: {exc}") from None


def dump(recipe: Recipe) -> str:
    """The recipe as YAML (trainer first), loadable again with `load`."""
    values = scrub(asdict(recipe))
    trainer = values.pop("trainer")
    return yaml.safe_dump({"trainer": trainer, **values}, sort_keys=False, allow_unicode=True)
