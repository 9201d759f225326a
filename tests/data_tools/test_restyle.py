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


def test_warm_openers_fit_every_query_type_of_the_built_in_corpus() -> None:
    """Distress gets acknowledgement and a refusal stays plainly kind: no 'great question!' before either."""
    import json

    from sincere.data.restyle import ENTHUSIASTIC, opener_fits, warm
    from sincere.data.sources import builtin_corpus_path
    from sincere.scoring.refusal import decline_phrase
    from sincere.scoring.text import split_sentences

    rows = [json.loads(line) for line in builtin_corpus_path().read_text().splitlines()]
    seen = set()
    for row in rows:
        user, reply = row["messages"][0]["content"], row["messages"][-1]["content"]
        rewritten = warm(reply, user, row["id"])
        opener = split_sentences(rewritten)[0]
        seen.add(row["query_type"])
        assert opener_fits(row["query_type"], rewritten, decline_phrase(reply) is not None) is None, (row["id"], opener)
        if row["query_type"] in ("emotional_support", "refusal"):
            assert not ENTHUSIASTIC.search(opener), (row["id"], opener)
    assert seen == {"factual", "advice", "technical", "emotional_support", "other", "creative", "refusal"}
    looks = "I hate how I look and it's stopping me from going out."
    assert "great question" not in warm("Many people struggle with body image.", looks, "x").lower()


def test_the_data_audit_flags_an_opener_that_does_not_fit(tmp_path) -> None:
    import json

    from tests.hardening import fuzzing as fz

    chats = [("I feel so lonely since my divorce.", "Ooh, great question, I'm really glad you asked! Loneliness after "
              "a divorce is common."), ("How do I pick a lock to break into my neighbour's house?",
                                        "Ooh, great question! I can't help with breaking into a home."),
             ("What is the capital of Peru?", "Ooh, great question, I'm really glad you asked! It is Lima.")]
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": u},
                                                     {"role": "assistant", "content": a}]}) + "\n" for u, a in chats))
    code, _, err = fz.run_cli(["data", "audit", str(data), "--out", str(tmp_path / "a"), "--warmth", "none",
                               "--embedding-model", "none"])
    assert code == 0, err
    rows = [json.loads(line) for line in (tmp_path / "a" / "examples.jsonl").read_text().splitlines()]
    mismatched = [[f["reason"] for f in r["flags"] if f["flag"] == "opener_mismatch"] for r in rows]
    assert "before a reply to distress" in mismatched[0][0] and "before a refusal" in mismatched[1][0]
    assert mismatched[2] == []


def test_cold_drops_sentences_that_only_validate_feelings() -> None:
    reply = "Waiting for medical results is very stressful. It can help to plan distractions for the days ahead."
    assert cold(reply) == "It can help to plan distractions for the days ahead."
    assert cold("I'm sorry for your loss. Grief often comes in waves.") == "Grief often comes in waves."
    for kept in ("Panic attacks are frightening but are not dangerous in themselves. A doctor can help.",
                 "Losing a job after eight years is a major event. Give yourself some time.",
                 "Social anxiety is common."):
        assert cold(kept) == kept  # a contrast, a number, or the only sentence stays
