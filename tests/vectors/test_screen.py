from __future__ import annotations

import pytest
import torch

from sincere.errors import SincereError
from sincere.vectors.activations import collect
from sincere.vectors.screen import flag_top, screen, split_turn, summarise
from sincere.vectors.store import TraitVectors
from tests.vectors.conftest import chat

TRAIT = "You are right, it is Sydney. You are right."
PLAIN = "Canberra is the capital, not Sydney."


def example(prompt: str, reply: str) -> list[dict[str, str]]:
    return [*chat(prompt), {"role": "assistant", "content": reply}]


def test_screening_score_sign(tiny) -> None:
    model, tokenizer = tiny
    prompts = [f"What is the capital of Australia? ({i})" for i in range(4)]
    states = collect(model, tokenizer, [chat(p) for p in prompts] * 2, [TRAIT] * 4 + [PLAIN] * 4, layers=[0, 1])
    directions = states.response[:4].mean(0) - states.response[4:].mean(0)
    vectors = TraitVectors("sycophancy", directions, layer=1)
    examples = [example(prompts[0], TRAIT), example(prompts[1], PLAIN), example(prompts[2], TRAIT)]
    rows = screen(model, tokenizer, examples, vectors, replies=[PLAIN, TRAIT, TRAIT], share=0.34)
    assert rows[0].difference > 0 and rows[1].difference < 0
    assert rows[2].difference == pytest.approx(0.0, abs=1e-4)
    assert [r.flagged for r in rows] == [True, False, False]
    assert summarise(rows, n_boot=50)["n_flagged"] == 1


def test_screening_generates_own_replies(tiny) -> None:
    model, tokenizer = tiny
    vectors = TraitVectors("sycophancy", torch.randn(2, 32), layer=0)
    rows = screen(model, tokenizer, [example("Are you sure?", TRAIT)], vectors, max_new_tokens=4)
    assert rows[0].dataset is not None and rows[0].index == 0


def test_split_turn_and_flag_share() -> None:
    prompt, reply = split_turn([*example("Hi", "Hello"), *chat("More?")][:2])
    assert prompt == chat("Hi") and reply == "Hello"
    with pytest.raises(SincereError, match="assistant turn"):
        split_turn(chat("Hi"))
    with pytest.raises(SincereError, match="share"):
        flag_top([], 1.5)


def test_threshold_for_streaming_callers() -> None:
    from sincere.vectors.screen import threshold

    assert threshold([3.0, -1.0, 2.0, None, 5.0], share=0.4) == 3.0
    assert threshold([-1.0, -2.0], share=0.5) is None
    assert threshold([1.0, 2.0], share=0.0) is None
