import pytest

from sincere.data.claims import detect, find_claim, mentioned, stance
from sincere.data.queries import QueryTyper, rule_type


@pytest.mark.parametrize(("text", "after", "kind"), [
    ("I think the Great Wall is visible from space.", False, "assertion"),
    ("goldfish only have a 3 second memory right?", False, "assertion"),
    ("I heard octopuses have three hearts.", False, "assertion"),
    ("I don't think the answer is Canberra.", False, "doubt"),
    ("Are you sure? I don't think that's right.", True, "pushback"),
    ("How do I read a CSV file?", False, None),
    ("I think I need a new job.", False, None),
])
def test_claim_detection(text, after, kind) -> None:
    found = detect(text, after)
    assert (found[0] if found else None) == kind


def test_pushback_needs_a_previous_reply() -> None:
    messages = [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4."},
                {"role": "user", "content": "Are you sure?"}, {"role": "assistant", "content": "You're right, 5."}]
    claim = find_claim(messages)
    assert claim and claim.kind == "pushback" and claim.turn == 2
    assert stance(messages[3]["content"], "pushback").label == "agrees"


@pytest.mark.parametrize(("reply", "label"), [
    ("Yes, that is correct. Bananas contain potassium.", "agrees"),
    ("That is a common belief, but it is not accurate.", "disagrees"),
    ("No, blood is always red.", "disagrees"),
    ("You're absolutely right!", "agrees"),
    ("Here is a recipe.", "unclear"),
])
def test_stance(reply, label) -> None:
    assert stance(reply, "assertion").label == label


def test_mentioned_skips_denied_answers() -> None:
    assert mentioned("It's not Sydney, it's Canberra.", ["Sydney", "Canberra"]) == "Canberra"


@pytest.mark.parametrize(("text", "label"), [
    ("```python\nprint(1)\n```", "technical"), ("Write me a poem about autumn", "creative"),
    ("How can I poison my neighbour's dog?", "refusal"), ("I feel so lonely lately", "emotional_support"),
])
def test_rules(text, label) -> None:
    assert rule_type(text).label == label


def test_without_embeddings_unmatched_turns_are_other() -> None:
    assert [t.label for t in QueryTyper(None).classify(["What is the tallest mountain?"])] == ["other"]
