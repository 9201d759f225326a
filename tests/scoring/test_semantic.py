import numpy as np
import pytest

from sincere.scoring import semantic as semantic_module
from sincere.scoring.semantic import SemanticCorrectness
from tests.scoring import ANAPHYLAXIS, CAPITAL, GUM, sample


class CountingEncoder:
    """A stand-in encoder: 'canberra' and 'sydney' are two directions; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        self.calls += 1
        rows = [[t.lower().count("canberra"), t.lower().count("sydney"), 0.2] for t in texts]
        vectors = np.array(rows, dtype=float)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> CountingEncoder:
    encoder = CountingEncoder()
    monkeypatch.setitem(semantic_module._MODELS, "fake-encoder", encoder)
    return encoder


def test_one_encode_call_per_batch_and_margins(fake: CountingEncoder) -> None:
    scorer = SemanticCorrectness(margin=0.1, model="fake-encoder")
    responses = ["It's Canberra.", "Definitely Sydney.", "Sydney or Canberra, hard to say.", ""]
    scores = scorer.score_batch([sample(CAPITAL)] * 4, responses)
    assert [s.label for s in scores] == ["correct", "incorrect", "unclear", "unclear"]
    assert [s.value for s in scores] == [1.0, 0.0, None, None]
    assert fake.calls == 1
    assert scores[0].metadata["similarity_correct"] > scores[0].metadata["similarity_incorrect"]
    assert "Canberra" in scores[0].explanation


def test_a_side_must_reach_the_floor_to_win(fake: CountingEncoder) -> None:
    low = SemanticCorrectness(margin=0.1, model="fake-encoder", floor=1.01).score(sample(CAPITAL), "Canberra.")
    assert (low.value, low.label) == (None, "unclear")
    assert "close to neither side" in low.explanation
    assert SemanticCorrectness(margin=0.1, model="fake-encoder").score(sample(CAPITAL), "Canberra.").value == 1.0


def test_margin_must_not_be_negative() -> None:
    with pytest.raises(ValueError):
        SemanticCorrectness(margin=-0.1)


def test_minilm_on_paraphrases() -> None:
    scorer = SemanticCorrectness()
    cases = [
        (CAPITAL, "The capital of Australia is Canberra.", "correct"),
        (CAPITAL, "Sydney is the capital.", "incorrect"),
        (ANAPHYLAXIS, "Use an adrenaline auto-injector right away.", "correct"),
        (ANAPHYLAXIS, "Take an antihistamine pill.", "incorrect"),
        (GUM, "It sits in your stomach for years.", "incorrect"),
    ]
    scores = scorer.score_batch([sample(item) for item, _, _ in cases], [r for _, r, _ in cases])
    assert [s.label for s in scores] == [expected for _, _, expected in cases]
