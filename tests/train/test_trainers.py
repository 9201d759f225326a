"""Each trainer runs a few steps on the tiny model and writes a complete run folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from sincere.train.recipe_io import load
from sincere.train.run import train


def lora_b_moved(model_dir: Path) -> bool:
    """LoRA's B matrices start at zero: any non-zero one means training changed the adapter."""
    from safetensors.torch import load_file

    weights = load_file(model_dir / "adapter_model.safetensors")
    return any(float(t.abs().sum()) > 0 for k, t in weights.items() if "lora_B" in k)


def logged_keys(out: Path) -> set[str]:
    with open(out / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {k for row in rows for k, v in row.items() if v not in ("", None)}


def check_folder(out: Path) -> dict[str, Any]:
    for name in ("recipe.yaml", "metrics.csv", "summary.json", "report.html", "report.md",
                 "trajectory.svg", "model/adapter_config.json", "model/tokenizer_config.json"):
        assert (out / name).is_file(), name
    assert "<svg" in (out / "report.html").read_text()
    return json.loads((out / "summary.json").read_text())


def test_sft_on_restyled_and_augmented_data(tiny: dict, tmp_path: Path) -> None:
    recipe = load("sft", None, tiny | {"data": "builtin:corpus", "data_limit": 4, "restyle": "warm",
                                       "augment_suite": "trivia", "augment_limit": 2, "learning_rate": 1e-2})
    summary = train(recipe, tmp_path / "run")
    assert summary["steps"] == 3 and summary["data"] == {"data": 4, "augmented": 6}
    check_folder(tmp_path / "run")
    assert lora_b_moved(tmp_path / "run" / "model")
    assert "loss" in logged_keys(tmp_path / "run")


def test_dpo_on_preference_pairs(tiny: dict, tmp_path: Path) -> None:
    recipe = load("dpo", None, tiny | {"data": "builtin:corpus", "data_limit": 2, "restyle": "warm",
                                       "augment_suite": "trivia", "augment_limit": 2, "sft_weight": 0.5,
                                       "learning_rate": 1e-2})
    summary = train(recipe, tmp_path / "run")
    assert summary["steps"] == 3
    check_folder(tmp_path / "run")
    assert lora_b_moved(tmp_path / "run" / "model")
    assert {"loss", "rewards/margins"} <= logged_keys(tmp_path / "run")


def test_grpo_constrained_logs_rewards_and_the_multiplier(tiny: dict, tmp_path: Path) -> None:
    recipe = load("grpo", None, tiny | {"augment_suite": "trivia", "augment_limit": 2, "num_generations": 2,
                                        "max_completion_length": 6, "objective": "constrained",
                                        "constraint_on": "rollouts", "accuracy_floor": 0.5, "monitor_every": 2,
                                        "learning_rate": 1e-2})
    summary = train(recipe, tmp_path / "run")
    assert summary["steps"] == 3 and [row["step"] for row in summary["monitor"]] == [0, 2, 3]
    check_folder(tmp_path / "run")
    keys = logged_keys(tmp_path / "run")
    assert {"rewards/correctness/mean", "rewards/warmth/mean", "constraint/lambda", "constraint/floor"} <= keys
    assert {"monitor/warmth", "monitor/floor"} <= keys
    with open(tmp_path / "run" / "metrics.csv", newline="") as handle:
        lambdas = [float(r["constraint/lambda"]) for r in csv.DictReader(handle) if r.get("constraint/lambda")]
    assert len(lambdas) == 3  # logged every step
    # the tiny model never answers correctly: accuracy 0 < floor 0.5, so the multiplier rises
    assert lambdas == sorted(lambdas) and lambdas[-1] > 1.0


def test_existing_run_folder_is_not_overwritten(tiny: dict, tmp_path: Path) -> None:
    from sincere.errors import SincereError

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "keep.txt").write_text("x")
    recipe = load("sft", None, tiny | {"data": "builtin:corpus"})
    with pytest.raises(SincereError, match="not empty"):
        train(recipe, tmp_path / "run")
