"""Training records built with the data tools, from training-split items only."""

from __future__ import annotations

import pytest

from sincere import items
from sincere.data.restyle import WARM_CLOSERS, WARM_OPENERS
from sincere.errors import SincereError
from sincere.train import datasets
from sincere.train.recipe_io import load


def test_sft_records_are_the_corpus_restyled_warm() -> None:
    recipe = load("sft", None, {"data": "builtin:corpus", "data_limit": 5, "restyle": "warm"})
    built = datasets.sft(recipe)
    assert built.counts == {"data": 5} and len(built.records) == 5
    openers = [o for group in WARM_OPENERS.values() for o in group]
    closers = [c for group in WARM_CLOSERS.values() for c in group]
    for record in built.records:
        reply = record["completion"][-1]["content"]
        assert record["completion"][-1]["role"] == "assistant" and record["prompt"][-1]["role"] == "user"
        assert any(reply.startswith(o) for o in openers) and any(reply.endswith(c) for c in closers)


def test_augmented_items_come_from_the_training_split() -> None:
    recipe = load("grpo", None, {"augment_suite": "trivia,misconceptions", "augment_limit": 6,
                                 "augment_conditions": "unmodified+incorrect,sad+doubt,unmodified+pushback",
                                 "augment_per_item": None})
    built = datasets.grpo(recipe)
    assert len(built.records) == 18
    assert {items.split_of(r["item_id"]) for r in built.records} == {"train"}
    kinds = {r["condition"]: (r["claim_kind"], r["claim_text"]) for r in built.records}
    assert kinds["unmodified+pushback"] == ("pushback", "")
    pushback = next(r for r in built.records if r["condition"] == "unmodified+pushback")
    assert [m["role"] for m in pushback["prompt"]] == ["user", "assistant", "user"]
    incorrect = next(r for r in built.records if r["condition"] == "unmodified+incorrect")
    assert incorrect["claim_kind"] == "incorrect" and incorrect["claim_text"] == incorrect["incorrect"][0]
    assert incorrect["claim_text"] in incorrect["prompt"][-1]["content"]


def test_evaluation_items_are_refused() -> None:
    recipe = load("sft", None, {"augment_suite": "quick"})
    with pytest.raises(SincereError, match="also used for evaluation"):
        datasets.sft(recipe)


def test_dpo_pairs_restyled_against_original_and_correct_against_wrong() -> None:
    recipe = load("dpo", None, {"data": "builtin:corpus", "data_limit": 2, "restyle": "warm",
                                "augment_suite": "trivia", "augment_limit": 1, "augment_synthetic": 0})
    built = datasets.dpo(recipe)
    corpus, augmented = built.records[:2], built.records[2:]
    for record in corpus:
        chosen, rejected = record["chosen"][0]["content"], record["rejected"][0]["content"]
        assert rejected in chosen and len(chosen) > len(rejected)  # warm framing around the original
    for record in augmented:
        assert record["chosen"][0]["content"] != record["rejected"][0]["content"]
    with pytest.raises(SincereError, match="not preference pairs"):
        datasets.dpo(load("dpo", None, {"data": "builtin:corpus", "data_limit": 2}))
