"""The rule-based restyler only frames content: every content sentence, number and name survives."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sincere.data.drift import factual_changes, numbers
from sincere.data.restyle import WARM_CLOSERS, WARM_OPENERS, cold, is_framing, restyle, warm
from sincere.data.sources import builtin_corpus_path
from sincere.scoring.text import split_sentences

CORPUS = [json.loads(line) for line in builtin_corpus_path().read_text(encoding="utf-8").splitlines()]


def _content(text: str) -> list[str]:
    """Content sentences, compared without end punctuation and extra spaces."""
    return [" ".join(s.rstrip(".!").split()) for s in split_sentences(text) if not is_framing(s)]


@pytest.mark.parametrize("style", ["warm", "cold"])
def test_every_corpus_reply_keeps_its_facts(style) -> None:
    for row in CORPUS:
        user, reply = row["messages"][0]["content"], row["messages"][-1]["content"]
        styled = restyle(reply, style, user, row["id"])
        assert not any(factual_changes(reply, styled).values()), (row["id"], styled)
        if style == "warm":
            assert reply in styled and styled != reply
        else:
            kept = _content(styled)
            assert all(sentence in kept for sentence in _content(reply)), row["id"]


def test_warm_framing_carries_no_facts_or_verdicts() -> None:
    for phrases in (*WARM_OPENERS.values(), *WARM_CLOSERS.values()):
        for phrase in phrases:
            assert not numbers(phrase) and not any(w in phrase.lower() for w in (" right", "correct", " true"))


def test_warm_acknowledges_feelings_when_the_user_voices_them() -> None:
    sad = warm("Grief often comes in waves.", "I'm so sad since my dog died", "k")
    plain = warm("Paris is the capital of France.", "What is the capital of France?", "k")
    assert any(sad.startswith(p) for p in WARM_OPENERS["feelings"])
    assert any(plain.startswith(p) for p in WARM_OPENERS["default"])


def test_cold_strips_framing_but_not_content_or_code() -> None:
    text = ("Great question! Sure, the answer is 42!! \U0001f389\n\n```python\nprint('hi!')  # wow!\n```\n"
            "I hope this helps!")
    assert cold(text) == "The answer is 42.\n\n```python\nprint('hi!')  # wow!\n```"
    assert cold("Thanks for asking about Paris in 1889.") == "Thanks for asking about Paris in 1889."


def test_cold_undoes_warm_and_both_are_deterministic() -> None:
    for row in CORPUS[:60]:
        reply = row["messages"][-1]["content"]
        assert cold(warm(reply, "", row["id"])) == cold(reply)
        assert warm(reply, "", row["id"]) == warm(reply, "", row["id"])


WORDS = st.sampled_from(["the", "river", "Nile", "is", "about", "6,650", "kilometres", "long", "Paris", "in",
                         "1889", "was", "built", "two", "hundred", "and", "six", "bones", "NASA", "ok"])
SENTENCE = st.lists(WORDS, min_size=2, max_size=12).map(lambda ws: " ".join(ws).capitalize() + ".")


@settings(max_examples=150, deadline=None)
@given(st.lists(SENTENCE, min_size=1, max_size=5), st.sampled_from(["warm", "cold"]), st.text(max_size=30))
def test_no_text_loses_or_gains_a_fact(sentences, style, key) -> None:
    reply = " ".join(sentences)
    assert not any(factual_changes(reply, restyle(reply, style, key=key)).values())


@pytest.mark.parametrize("style", ["warm", "cold"])
def test_rule_rewrites_cover_every_content_sentence_verbatim(style) -> None:
    from sincere.data.drift import verbatim_coverage

    for row in CORPUS:
        reply = row["messages"][-1]["content"]
        assert verbatim_coverage(reply, restyle(reply, style, key=row["id"])) == 1.0, row["id"]
    assert verbatim_coverage("It is 42. It was built in 1889.", "It is 42.") == 0.5
