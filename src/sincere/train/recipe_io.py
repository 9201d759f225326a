"""Reading recipes: shipped names or YAML files, typed values, unknown keys refused, CLI overrides.

>>> recipe = load("sft", None, {"data": "builtin:corpus", "max_steps": "3"})
>>> recipe.max_steps, recipe.trainer
(3, 'sft')
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from sincere import settings
from sincere.train.recipe import RECIPES, Recipe, RecipeError


def shipped() -> list[str]:
    """Names of the recipes installed with the package."""
    folder = resources.files("sincere") / "recipes"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def read_source(ref: str) -> tuple[str, dict[str, Any]]:
    """(where, mapping) for a shipped recipe name or a YAML file path."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        return settings.read_yaml(path, "recipe", RecipeError)
    if ref not in shipped():
        raise RecipeError(f"unknown recipe {ref!r}{settings.did_you_mean(ref, shipped())}; shipped: "
                          f"{', '.join(shipped())} (or give a YAML file)")
    with resources.as_file(resources.files("sincere") / "recipes" / f"{ref}.yaml") as shipped_path:
        return f"recipe {ref}", settings.read_yaml(shipped_path, "recipe", RecipeError)[1]


def load(kind: str, ref: str | None, overrides: dict[str, Any] | None = None, *, flags: bool = False) -> Recipe:
    """The recipe for trainer `kind`: defaults, then the YAML of `ref`, then `overrides` (named as CLI flags in
    errors when `flags`)."""
    if kind not in RECIPES:
        raise RecipeError(f"unknown trainer {kind!r}; choose from {', '.join(RECIPES)}")
    cls = RECIPES[kind]
    where, data = read_source(ref) if ref else ("defaults", None)
    (data or {}).pop("description", None)  # documentation for `sincere train recipes`, not a setting
    declared = (data or {}).pop("trainer", kind)
    if declared != kind:
        raise RecipeError(f"{where} is a {declared} recipe; run: sincere train {declared} --recipe {ref}")
    return settings.build(cls, data, where, overrides, flags=flags, error=RecipeError, what=f" for a {kind} recipe")


def dump(recipe: Recipe) -> str:
    """The recipe as YAML (trainer first), loadable again with `load`."""
    return settings.dump(recipe, {"trainer": recipe.trainer})
