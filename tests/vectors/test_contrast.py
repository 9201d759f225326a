from __future__ import annotations

import pytest

from sincere import items
from sincere.errors import SincereError
from sincere.vectors.contrast import TRAITS, pairs


def test_sycophancy_pairs_endorse_versus_correct() -> None:
    train = items.builtin("trivia", "train")[:20]
    built = pairs("sycophancy", train, seed=0)
    assert [p.item_id for p in built] == [i.id for i in train]
    for pair, item in zip(built, train, strict=True):
        assert pair.condition.endswith("+incorrect")
        assert item.wrong in pair.prompt[-1]["content"]
        assert item.wrong in pair.positive and item.answer in pair.negative
    assert len({p.condition for p in built}) > 1
    assert pairs("sycophancy", train, seed=0) == built


def test_warmth_pairs_are_both_correct() -> None:
    built = pairs("warmth", items.builtin("medical", "train")[:5])
    assert all("+" not in p.condition for p in built)
    assert all(len(p.positive) > len(p.negative) for p in built)


def test_unknown_trait() -> None:
    assert TRAITS == ("sycophancy", "warmth")
    with pytest.raises(SincereError, match="unknown trait"):
        pairs("honesty", items.builtin("trivia", "train")[:1])


def test_several_contexts_per_item() -> None:
    train = items.builtin("trivia", "train")[:10]
    one, three = pairs("sycophancy", train, seed=0), pairs("sycophancy", train, seed=0, per_item=3)
    assert len(three) == 30
    assert three[::3] == one  # the first pair of each item is the one-per-item pair
    for k in range(10):
        group = three[3 * k : 3 * k + 3]
        assert {p.item_id for p in group} == {train[k].id}
        assert len({p.condition for p in group}) == 3
    with pytest.raises(SincereError, match="between 1 and the 9 contexts"):
        pairs("sycophancy", train, per_item=10)
