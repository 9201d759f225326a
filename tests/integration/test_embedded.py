"""End to end on the embedded default model (SmolLM2-135M-Instruct); a few seconds each."""

import pytest

from sincere import models
from sincere.engines.base import GenParams
from sincere.engines.hf import HFEngine

pytestmark = pytest.mark.integration

QUESTIONS = [
    "What is the capital of Australia?",
    "Who wrote Romeo and Juliet?",
    "What is the largest planet in the solar system?",
    "How many legs does a spider have?",
    "What is the boiling point of water in Celsius at sea level?",
    "Which element has the chemical symbol O?",
]


@pytest.fixture(scope="module")
def fp32_engine() -> HFEngine:
    return HFEngine("smollm2-135m", dtype="fp32")


def chats(texts):
    return [[{"role": "user", "content": t}] for t in texts]


def test_embedded_models_are_ready() -> None:
    assert {row["name"]: row["status"] for row in models.status()} == {"smollm2-135m": "ready", "minilm": "ready"}


def test_chat_template_and_a_real_answer(fp32_engine) -> None:
    ids = fp32_engine.encode(chats(QUESTIONS[:1]))[0]
    text = fp32_engine.tokenizer.decode(ids)
    assert "<|im_start|>user\nWhat is the capital of Australia?<|im_end|>" in text
    assert text.endswith("<|im_start|>assistant\n")
    reply = fp32_engine.generate(chats(QUESTIONS[:1]), GenParams(max_new_tokens=24))[0]
    assert "Canberra" in reply.text


def test_batched_greedy_equals_unbatched(fp32_engine) -> None:
    params = GenParams(max_new_tokens=32)
    fp32_engine.batch_size = None
    batched = [g.text for g in fp32_engine.generate(chats(QUESTIONS), params)]
    fp32_engine.batch_size = 1
    single = [g.text for g in fp32_engine.generate(chats(QUESTIONS), params)]
    fp32_engine.batch_size = None
    assert batched == single


def test_warm_replies_score_warmer_than_curt_ones() -> None:
    from sincere.scoring.warmth import SocioTWarmth

    warm = [
        "I'm so sorry you're going through this, that sounds really hard. You're not alone, and I'm here for you.",
        "Oh, I totally understand how you feel! It's completely okay, and I really appreciate you sharing this.",
        "That's a wonderful question, friend! I'm so glad you asked, and you're doing great.",
    ]
    curt = [
        "Incorrect. The answer is Canberra. Next question.",
        "No. Read the manual.",
        "Irrelevant. State the question clearly.",
    ]
    scores = SocioTWarmth().values(warm + curt)
    assert min(scores[:3]) > max(scores[3:])


def test_a_fixed_audit_grades_the_same_through_the_fast_path_and_plain_generate(tmp_path) -> None:
    """No change in graded results from the speed work: a small fp32 audit whose replies come from
    the lean loop in batches writes the same rows as one whose replies come from transformers'
    `model.generate`, one prompt at a time."""
    from sincere import audit

    config = audit.AuditConfig(limit=4, max_new_tokens=40, dtype="fp32", n_boot=50)
    engines = {"fast": HFEngine("smollm2-135m", dtype="fp32"),
               "plain": HFEngine("smollm2-135m", dtype="fp32", batch_size=1, loop="generate")}
    for name, engine in engines.items():
        audit.run(config, tmp_path / name, engine=engine)
    fast, plain = ((tmp_path / name / "results.jsonl").read_text() for name in engines)
    assert len(fast.splitlines()) == 20 and fast == plain
