from __future__ import annotations

from typer.testing import CliRunner

from sincere.cli.app import app
from sincere.cli.vectors import vectors_app  # noqa: F401  (registers `sincere vectors`)
from sincere.vectors.store import load


def test_extract_then_show(tiny_model, tmp_path) -> None:
    out = tmp_path / "syc.safetensors"
    result = CliRunner().invoke(app, ["vectors", "extract", "--model", str(tiny_model), "--suite", "trivia",
                                      "--limit", "8", "--holdout", "0.4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    vectors = load(out)
    assert vectors.meta["model"] == str(tiny_model) and vectors.meta["split"] == "train"
    assert len(vectors.meta["item_ids"]) == 8 and vectors.meta["selection"]["source"] == "templates"
    shown = CliRunner().invoke(app, ["vectors", "show", str(out)])
    assert shown.exit_code == 0 and "templates_version" in shown.output


def test_unknown_trait_is_a_user_error(tmp_path) -> None:
    result = CliRunner().invoke(app, ["vectors", "extract", "--trait", "honesty", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "honesty" in result.output and "sycophancy" in result.output


def test_extract_with_several_prompts_per_item(tiny_model, tmp_path) -> None:
    out = tmp_path / "syc.safetensors"
    result = CliRunner().invoke(app, ["vectors", "extract", "--model", str(tiny_model), "--suite", "trivia",
                                      "--limit", "6", "--per-item", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = load(out).meta
    assert meta["per_item"] == 3 and meta["n_pairs"] == 18 and len(set(meta["item_ids"])) == 6
    assert len(meta["conditions"]) > 1


def test_samples_without_on_policy_is_a_user_error(tmp_path) -> None:
    result = CliRunner().invoke(app, ["vectors", "extract", "--samples", "3", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0 and "--on-policy" in str(result.exception)
