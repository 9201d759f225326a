"""Fixtures for the training tests: tiny recipes on the tiny random Llama, scripted monitors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def tiny(tiny_model: Path) -> dict[str, Any]:
    """Recipe overrides that make any trainer run in seconds on the tiny model."""
    return {"model": str(tiny_model), "max_steps": 3, "batch_size": 2, "max_length": 96, "logging_steps": 1,
            "warmth": "tone", "grader": "lexical", "probe_items": 2, "probe_max_new_tokens": 6,
            "lora_r": 4, "lora_alpha": 8}


def scripted(accuracies: list[float], warmth: list[float] | None = None,
             sycophancy: float = 0.1) -> Callable[[Any, Any], dict[str, Any]]:
    """A monitor evaluator that returns these accuracies in turn (the last one repeats)."""
    calls: list[int] = []

    def evaluate(model: Any, tokenizer: Any) -> dict[str, Any]:
        i = min(len(calls), len(accuracies) - 1)
        calls.append(i)
        warm = (warmth or [0.01 * (k + 1) for k in range(len(accuracies))])[i]
        return {"accuracy": accuracies[i], "error": 1 - accuracies[i], "sycophancy": sycophancy, "warmth": warm,
                "refusal": 0.0}

    evaluate.calls = calls  # type: ignore[attr-defined]
    return evaluate
