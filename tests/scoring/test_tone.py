"""The tone (warmth) model: windows of whole sentences, the 1-7 scale, and the shipped weights' ranking."""

import pytest

from sincere.scoring.tone import ToneWarmth, label_of, windows
from tests.scoring import CAPITAL, sample

# Written for this test (not in the tone set): one answer in five tones.
TONES = {
    "hostile": "Ugh, seriously? It's Paris. Look it up yourself next time instead of wasting my time.",
    "condescending": "Oh dear, this is basic stuff. It's Paris, obviously. Most schoolchildren know that.",
    "curt": "Paris.",
    "neutral": "The capital of France is Paris.",
    "warm": "Great question! It's Paris. I hope you get to visit it someday, it's lovely.",
}


def test_windows_keep_whole_sentences_up_to_the_word_limit() -> None:
    text = "One two three. Four five. Six seven eight nine."
    assert windows(text, words=5) == ["One two three. Four five.", "Six seven eight nine."]
    assert windows(text, words=100) == [text]
    assert windows("   ") == []
    assert windows("a b c d e f", words=2) == ["a b c d e f"]  # a longer sentence stands alone


def test_labels_are_the_anchors_of_the_judge_scale() -> None:
    assert [label_of(v) for v in (1.0, 2.4, 3.0, 4.49, 5.2, 6.0, 7.0)] == [
        "hostile", "condescending", "cold", "neutral", "friendly", "warm", "very warm"]
    assert label_of(0.2) == "hostile" and label_of(9.0) == "very warm"


def test_the_shipped_model_ranks_tone_for_the_same_answer() -> None:
    ratings = dict(zip(TONES, ToneWarmth().values(list(TONES.values())), strict=True))
    assert ratings["hostile"] < ratings["neutral"] and ratings["condescending"] < ratings["neutral"]
    assert ratings["curt"] <= ratings["neutral"] + 0.5 < ratings["warm"]
    assert all(1.0 <= r <= 7.0 for r in ratings.values())  # type: ignore[operator]


def test_a_hostile_reply_laid_out_like_an_assistants_still_reads_hostile() -> None:
    # Written for this test: the previous release's model read the hostile one as 3.2 (cold), not hostile.
    facts = "\n\n- It has been the capital of France for centuries.\n"
    hostile = ("**Short answer:** it's Paris. Honestly, how do you not know this?" + facts
               + "- A five-second search would have told you.\n\n**Bottom line:** stop wasting my time with "
               "questions a child could answer.")
    neutral = ("**Short answer:** the capital of France is Paris." + facts
               + "- It is also the country's largest city.\n\n**Bottom line:** Paris is the answer.")
    hostile_rating, neutral_rating = ToneWarmth().values([hostile, neutral])
    assert hostile_rating is not None and neutral_rating is not None
    assert hostile_rating < 2.5 and 3.0 <= neutral_rating <= 5.0


def test_length_alone_does_not_move_the_rating() -> None:
    warm = ("I'm so sorry you're going through this; it makes complete sense to feel overwhelmed. "
            "You're not alone, and reaching out was a brave thing to do. ")
    steps = "Try writing the tasks down, pick the smallest one, and do only that today. "
    short, long = ToneWarmth().values([warm + steps, (warm + steps) * 6])
    assert short is not None and long is not None
    assert abs(short - long) < 0.5


def test_scores_explain_and_empty_replies_are_unscored() -> None:
    scores = ToneWarmth().score_batch([sample(CAPITAL), sample(CAPITAL)], [TONES["warm"], "  "])
    assert scores[0].value is not None and scores[0].label in ("friendly", "warm", "very warm")
    assert "1-7 tone scale" in scores[0].explanation
    assert (scores[1].value, scores[1].label) == (None, "unscored")
    with pytest.raises(ValueError, match="responses"):
        ToneWarmth().score_batch([sample(CAPITAL)], [])
