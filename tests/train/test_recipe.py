"""Recipes: shipped YAML, typed values, unknown keys refused, flags override, cross-field checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from sincere.settings import settable
from sincere.train.recipe import RECIPES, GRPORecipe, RecipeError, SFTRecipe
from sincere.train.recipe_io import dump, load, read_source, shipped


def test_shipped_recipes_load_with_their_trainer() -> None:
    assert {"warm-sft", "balanced", "balanced-dpo", "balanced-grpo"} <= set(shipped())
    for name in shipped():
        kind = read_source(name)[1]["trainer"]
        recipe = load(kind, name)
        assert recipe.trainer == kind
        assert recipe.model == "smollm2-135m"  # the embedded model: offline out of the box


def test_warm_sft_follows_the_study() -> None:
    recipe = load("sft", "warm-sft")
    assert (recipe.data, recipe.restyle, recipe.lora, recipe.lora_r, recipe.lora_alpha) == (
        "builtin:corpus", "warm", True, 8, 16)
    balanced = load("sft", "balanced")
    assert balanced.augment_suite == "builtin" and balanced.guardrail == "restore" and balanced.keep == "best"


def test_unknown_key_is_an_error_that_names_it(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("trainer: sft\ndata: builtin:corpus\nlearning_rat: 0.1\n")
    with pytest.raises(RecipeError, match="unknown key 'learning_rat'.*did you mean 'learning_rate'"):
        load("sft", str(path))
    with pytest.raises(RecipeError, match="unknown setting 'num_generations'"):
        load("sft", "warm-sft", {"num_generations": 4})


def test_flags_override_the_yaml_and_values_are_typed() -> None:
    recipe = load("sft", "warm-sft", {"learning_rate": "1e-3", "max_steps": "5", "lora": False, "restyle": "cold"})
    assert (recipe.learning_rate, recipe.max_steps, recipe.lora, recipe.restyle) == (1e-3, 5, False, "cold")
    assert load("sft", "warm-sft", {"data_limit": "none"}).data_limit is None
    grpo = load("grpo", "balanced-grpo", {"weights": "correctness=2,warmth=0.5"})
    assert grpo.weights == {"correctness": 2.0, "warmth": 0.5}


@pytest.mark.parametrize(("overrides", "message"), [
    ({"max_steps": "many"}, "max_steps: expected a whole number"),
    ({"restyle": "hot"}, "restyle: 'hot' is not one of none, warm, cold"),
    ({"lora_dropout": 2}, "lora_dropout must be between 0 and 1"),
    ({"guardrail": "stop", "monitor_every": 0}, "need the monitor: set monitor_every"),
    ({"grader": "gpt"}, "grader must be default, lexical or judge:MODEL"),
])
def test_bad_values_say_how_to_fix_them(overrides: dict, message: str) -> None:
    with pytest.raises(RecipeError, match=message):
        load("sft", "warm-sft", overrides)


def test_grpo_cross_field_checks() -> None:
    with pytest.raises(RecipeError, match="constraint_on: probes needs the monitor"):
        load("grpo", "balanced-grpo", {"monitor_every": 0})
    with pytest.raises(RecipeError, match="set lagrange_delay"):
        load("grpo", "balanced-grpo", {"constraint_on": "rollouts"})
    with pytest.raises(RecipeError, match="unknown reward"):
        load("grpo", None, {"weights": "kindness=1"})
    with pytest.raises(RecipeError, match="multiple of num_generations"):
        load("grpo", None, {"batch_size": 3, "num_generations": 2})
    with pytest.raises(RecipeError, match="needs data"):
        SFTRecipe()


def test_wrong_trainer_for_a_recipe_says_which_command() -> None:
    with pytest.raises(RecipeError, match="is a grpo recipe; run: sincere train grpo --recipe balanced-grpo"):
        load("sft", "balanced-grpo")


def test_dump_loads_back_to_the_same_recipe(tmp_path: Path) -> None:
    recipe = load("grpo", "balanced-grpo", {"max_steps": 7})
    path = tmp_path / "used.yaml"
    path.write_text(dump(recipe))
    assert load("grpo", str(path)) == recipe
    assert isinstance(recipe, GRPORecipe)


def test_every_field_has_help_and_a_flag() -> None:
    from typer.testing import CliRunner

    from sincere.cli.app import app
    from sincere.cli.train import train_app  # noqa: F401  (registers the commands)

    for kind, cls in RECIPES.items():
        result = CliRunner().invoke(app, ["train", kind, "--help"], env={"COLUMNS": "250"})
        assert result.exit_code == 0, result.output
        for f in settable(cls):
            assert f.metadata["help"], f.name
            assert "--" + f.name.replace("_", "-") in result.output, f"{kind}: no flag for {f.name}"
