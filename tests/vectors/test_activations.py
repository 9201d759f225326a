from __future__ import annotations

import math

import pytest
import torch

from sincere.errors import SincereError
from sincere.vectors.activations import collect, collect_windows, encode
from sincere.vectors.monitor import project
from sincere.vectors.store import TraitVectors
from tests.vectors.conftest import chat

PROMPTS = [chat("What is the capital of Australia?"), chat("Water boils at what temperature?"), chat("Are you sure?")]
REPLIES = ["Canberra is the capital, not Sydney.", "One hundred degrees.", ""]


def reference(model, tokenizer, prompt, reply, layer: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Response mean and last prompt token at `layer`, from output_hidden_states on one unpadded row."""
    ids, start = encode(tokenizer, prompt, reply)
    with torch.no_grad():
        states = model(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states[layer + 1][0]
    return states[start:].mean(0), states[start - 1]


def test_collect_matches_output_hidden_states(tiny) -> None:
    model, tokenizer = tiny
    found = collect(model, tokenizer, PROMPTS, REPLIES, layers=[0], batch_tokens=64)
    assert found.response.shape == (3, 1, 32) and found.layers == (0,)
    for row in range(2):
        mean, last = reference(model, tokenizer, PROMPTS[row], REPLIES[row], 0)
        assert torch.allclose(found.at(0)[row], mean, atol=1e-5)
        assert torch.allclose(found.at(0, "prompt_last")[row], last, atol=1e-5)
    assert torch.isnan(found.at(0)[2]).all()  # an empty reply has no response mean
    with pytest.raises(SincereError, match="not captured"):
        found.at(1)


def test_collect_averages_the_first_reply_tokens_of_a_window(tiny) -> None:
    model, tokenizer = tiny
    ids, start = encode(tokenizer, PROMPTS[0], REPLIES[0])
    assert len(ids) - start > 2, "the reply needs more than 2 tokens for this test"
    with torch.no_grad():
        states = model(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states[1][0]
    found = collect(model, tokenizer, PROMPTS[:1], REPLIES[:1], layers=[0], window=2)
    assert torch.allclose(found.at(0)[0], states[start : start + 2].mean(0), atol=1e-5)
    wide = collect(model, tokenizer, PROMPTS[:1], REPLIES[:1], layers=[0], window=10_000)
    assert torch.allclose(wide.at(0)[0], states[start:].mean(0), atol=1e-5)
    vectors = TraitVectors("sycophancy", torch.randn(2, 32, generator=torch.Generator().manual_seed(0)), layer=0,
                           meta={"window": 2})
    unit = vectors.unit(0)
    assert project(model, tokenizer, PROMPTS[:1], REPLIES[:1], vectors)[0].response == pytest.approx(
        float(states[start : start + 2].mean(0) @ unit), abs=1e-4)  # projections use the vectors' window
    with pytest.raises(SincereError, match="window"):
        collect(model, tokenizer, PROMPTS[:1], REPLIES[:1], layers=[0], window=0)


def test_collect_rejects_bad_layers(tiny) -> None:
    model, tokenizer = tiny
    with pytest.raises(SincereError, match="out of range"):
        collect(model, tokenizer, PROMPTS, REPLIES, layers=[5])


def test_project_is_the_dot_product_with_the_unit_direction(tiny) -> None:
    model, tokenizer = tiny
    directions = torch.randn(2, 32, generator=torch.Generator().manual_seed(0))
    vectors = TraitVectors("sycophancy", directions, layer=0)
    found = project(model, tokenizer, PROMPTS, REPLIES, vectors)
    unit = directions[0] / directions[0].norm()
    mean, last = reference(model, tokenizer, PROMPTS[0], REPLIES[0], 0)
    assert found[0].response == pytest.approx(float(mean @ unit), abs=1e-4)
    assert found[0].prompt_last == pytest.approx(float(last @ unit), abs=1e-4)
    assert found[2].response is None and math.isfinite(found[2].prompt_last)
    at_one = project(model, tokenizer, PROMPTS[:1], REPLIES[:1], vectors, layer=1)[0]
    assert at_one.response != pytest.approx(found[0].response)


def test_vectors_must_fit_the_model(tiny) -> None:
    model, tokenizer = tiny
    with pytest.raises(SincereError, match="extract them for this model"):
        project(model, tokenizer, PROMPTS, REPLIES, TraitVectors("warmth", torch.ones(3, 32), 0))


def test_several_windows_in_one_pass_equal_one_window_at_a_time(tiny) -> None:
    model, tokenizer = tiny
    windows = (None, 2, 5)
    together = collect_windows(model, tokenizer, PROMPTS, REPLIES, windows, batch_tokens=16)
    for window, found in zip(windows, together, strict=True):
        alone = collect(model, tokenizer, PROMPTS, REPLIES, window=window, batch_tokens=16)
        assert torch.allclose(found.response, alone.response, atol=1e-5, equal_nan=True)
        assert torch.allclose(found.prompt_last, alone.prompt_last, atol=1e-5)
    assert torch.isnan(together[1].response[2]).all()  # the empty reply
    with pytest.raises(SincereError, match="window"):
        collect_windows(model, tokenizer, PROMPTS, REPLIES, (None, 0))
