"""`sincere train ...` from the command line: flags over recipes, one-line errors, a tiny run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

# Every command registers when sincere.cli.main is imported.
ENTRY = "from sincere.cli.main import main; main()"


def sincere(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", ENTRY, *args], capture_output=True, text=True, timeout=120)


def test_recipes_are_listed() -> None:
    result = sincere("train", "recipes")
    assert result.returncode == 0, result.stderr
    for name in ("warm-sft", "balanced", "balanced-dpo", "balanced-grpo"):
        assert name in result.stdout


def test_errors_are_one_line_with_exit_code_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("trainer: sft\ndata: builtin:corpus\nwarmth_modle: none\n")
    result = sincere("train", "sft", "--recipe", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {bad}: unknown key 'warmth_modle' (did you mean 'warmth_frames'?) for a sft recipe"]
    result = sincere("train", "grpo", "--recipe", "warm-sft")
    assert result.returncode == 2 and "run: sincere train sft --recipe warm-sft" in result.stderr


def test_a_tiny_run_from_flags(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = sincere("train", "sft", "--recipe", "warm-sft", "--model", str(tiny_model), "--max-steps", "2",
                     "--data-limit", "4", "--batch-size", "2", "--max-length", "64", "--no-lora",
                     "--monitor-every", "0", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    used = yaml.safe_load((out / "recipe.yaml").read_text())
    assert (used["trainer"], used["max_steps"], used["lora"], used["restyle"]) == ("sft", 2, False, "warm")
    assert (out / "model" / "model.safetensors").is_file()  # full fine-tuning saves the whole model
    assert "2 steps" in result.stdout
