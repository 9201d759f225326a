from __future__ import annotations

import random

import torch

from sincere import items
from sincere.vectors.activations import collect
from sincere.vectors.contrast import pairs
from sincere.vectors.extract import WINDOWS, best_layer, difference_of_means, extract, held_out, separation
from sincere.vectors.layers import decoder_layers, hidden_of, with_hidden
from sincere.vectors.onpolicy import SOURCES, Graded
from sincere.vectors.store import load
from tests.vectors.conftest import chat

WORDS = "the capital of Australia is Canberra not Sydney water boils at one hundred degrees are you sure".split()


def random_replies(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(3, 8))) for _ in range(n)]


def test_extraction_recovers_a_planted_direction(tiny) -> None:
    model, tokenizer = tiny
    planted = torch.randn(32, generator=torch.Generator().manual_seed(1))
    planted /= planted.norm()
    prompts = [chat(f"Question number {i}: is water wet?") for i in range(48)]
    negative = collect(model, tokenizer, prompts, random_replies(48, 0)).response

    def plant(_module, _args, output):  # the trait: the residual stream moved along `planted`
        return with_hidden(output, hidden_of(output) + 2.0 * planted)

    handle = decoder_layers(model)[0].register_forward_hook(plant)
    try:
        positive = collect(model, tokenizer, prompts, random_replies(48, 1)).response
    finally:
        handle.remove()
    direction = difference_of_means(positive, negative)[0]
    assert torch.nn.functional.cosine_similarity(direction, planted, dim=0) > 0.9
    _, reports = separation(positive, negative, held_out([str(i) for i in range(48)], 0.25, 0))
    assert reports[0].auroc == 1.0 and reports[0].d > 3
    assert best_layer(reports) in (0, 1)


def test_extract_end_to_end_and_round_trip(tiny, tmp_path) -> None:
    model, tokenizer = tiny
    train = items.builtin("trivia", "train")[:12]
    vectors = extract(model, tokenizer, pairs("sycophancy", train), trait="sycophancy", holdout=0.34,
                      provenance={"model": "tiny"})
    assert vectors.directions.shape == (2, 32)
    assert vectors.meta["item_ids"] == [i.id for i in train] and vectors.meta["model"] == "tiny"
    assert 0 < vectors.meta["n_held_out"] < 12
    assert [row["layer"] for row in vectors.meta["layers"]] == [0, 1]
    path = vectors.save(tmp_path / "syc")
    assert path.suffix == ".safetensors" and path.with_suffix(".json").is_file()
    again = load(path)
    assert again.layer == vectors.layer and again.meta == vectors.meta
    assert torch.equal(again.directions, vectors.directions)


def test_extract_chooses_on_the_models_own_replies(tiny) -> None:
    model, tokenizer = tiny
    train = items.builtin("trivia", "train")[:16]
    built = pairs("sycophancy", train)
    own = [Graded(k, p.positive if k % 2 else p.negative, float(k % 2)) for k, p in enumerate(built)]
    own[0] = Graded(0, built[0].negative, None)  # unclear replies are left out
    own.append(Graded(3, built[3].negative, 0.0))  # a second reply to one prompt
    vectors = extract(model, tokenizer, built, trait="sycophancy", own=own, folds=2)
    selection = vectors.meta["selection"]
    assert selection["by"] == "own_cv_auroc" and selection["n_own"] == 16 and selection["n_own_positive"] == 8
    assert selection["source"] in SOURCES and set(selection["cv"]) == set(SOURCES)
    assert selection["cv"][selection["source"]][vectors.layer] == selection["cv_auroc"]
    assert vectors.window in WINDOWS and selection["window"] == vectors.window == vectors.meta["window"]
    by_window = selection["cv_auroc_by_window"]
    assert set(by_window) == {"all" if w is None else str(w) for w in WINDOWS}
    assert selection["cv_auroc"] == max(by_window.values())
