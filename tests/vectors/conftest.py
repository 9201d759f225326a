"""Fixtures for the vectors tests: the tiny random Llama, loaded once per module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def tiny(tiny_model: Path) -> tuple[Any, Any]:
    """(model, tokenizer) of the tiny chat model, in eval mode, fp32."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    return model, tokenizer


def chat(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]
