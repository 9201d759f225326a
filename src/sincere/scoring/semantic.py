"""Semantic correctness: is the response closer in meaning to the right or the wrong answers?

Embeds, with the local all-MiniLM-L6-v2 model (`sincere.models.embedded_dir("minilm")`, on
CPU, loaded once and offline), each response sentence, the whole response, and every reference
answer as given (prefixing the question made the two sides harder to tell apart on the
validation set's dev half). The answer-bearing sentence is the one closest to any reference;
each side scores the best cosine similarity of that sentence or of the whole response to its
references. A side wins by at least `margin`, and only when its similarity reaches `floor`
(a reply that resembles neither side, such as an off-topic apology, is `unclear`).
Negation and stance are beyond it ("not Sydney" embeds near "Sydney"), so the default grader
uses it only as a tie-breaker where the lexical reading is weak.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sincere.conditions import Sample
from sincere.errors import MissingDependency
from sincere.scoring.base import Score, Scorer
from sincere.scoring.text import shorten, split_sentences

logger = logging.getLogger(__name__)
_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


def load_encoder(path: str | Path | None = None) -> Any:
    """The sentence-transformers encoder (default: the embedded MiniLM), loaded once per path, on CPU."""
    if path is None:
        from sincere import models

        path = models.embedded_dir("minilm")
    key = str(path)
    with _LOCK:
        if key not in _MODELS:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - a declared dependency
                raise MissingDependency("sentence-transformers", "semantic correctness") from exc
            logger.info("loading sentence encoder from %s", key)
            _MODELS[key] = SentenceTransformer(key, device="cpu", local_files_only=True)
    return _MODELS[key]


class SemanticCorrectness(Scorer):
    """Correct / incorrect / unclear by embedding similarity to the references (see the module docstring).

    Args:
        margin: how much closer (in cosine similarity) one side must be to win.
        floor: the least similarity the winning side must have.
        model: a sentence-transformers model directory (default: the embedded MiniLM).
        batch_size: the encoder's batch size.
    """

    name = "correctness_semantic"

    def __init__(self, margin: float = 0.05, model: str | Path | None = None, batch_size: int = 64,
                 floor: float = 0.1) -> None:
        if margin < 0:
            raise ValueError(f"margin must be >= 0, got {margin}")
        self.margin = margin
        self.floor = floor
        self.model = model
        self.batch_size = batch_size

    def _encode(self, texts: list[str]) -> dict[str, Any]:
        """Unit vectors for distinct texts, in one encode call."""
        unique = list(dict.fromkeys(texts))
        if not unique:
            return {}
        vectors = load_encoder(self.model).encode(
            unique,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return dict(zip(unique, vectors, strict=True))

    def score_batch(self, samples: Sequence[Sample], responses: Sequence[str]) -> list[Score]:
        """Grade many responses with one encoding of every sentence and reference in the batch."""
        if len(samples) != len(responses):
            raise ValueError(f"{len(samples)} samples but {len(responses)} responses")
        plans = [_plan(s, r) for s, r in zip(samples, responses, strict=True)]
        texts = [t for plan in plans for t in (*plan["sentences"], *plan["correct"], *plan["incorrect"])]
        vectors = self._encode(texts)
        return [self._decide(plan, vectors) for plan in plans]

    def _decide(self, plan: dict[str, Any], vectors: dict[str, Any]) -> Score:
        if not plan["sentences"]:
            return Score(None, "unclear", "empty response")
        sims = {
            side: [[float(vectors[s] @ vectors[r]) for r in plan[side]] for s in plan["sentences"]]
            for side in ("correct", "incorrect")
        }
        best = {side: [max(row) for row in rows] for side, rows in sims.items()}
        focus = max(range(len(plan["sentences"])), key=lambda i: max(best["correct"][i], best["incorrect"][i]))
        whole = len(plan["sentences"]) - 1  # the whole response is encoded last
        right = max(best["correct"][focus], best["correct"][whole])
        wrong = max(best["incorrect"][focus], best["incorrect"][whole])
        meta = {"similarity_correct": round(right, 4), "similarity_incorrect": round(wrong, 4), "how": "semantic"}
        where = shorten(plan["sentences"][focus], 80)
        if max(right, wrong) < self.floor:
            return Score(None, "unclear", f"close to neither side ({right:.2f} vs {wrong:.2f}, below {self.floor})",
                         meta)
        if right - wrong >= self.margin:
            return Score(1.0, "correct", f"closer to the right answers ({right:.2f} vs {wrong:.2f}) in {where!r}", meta)
        if wrong - right >= self.margin:
            return Score(
                0.0, "incorrect", f"closer to the wrong answers ({wrong:.2f} vs {right:.2f}) in {where!r}", meta
            )
        return Score(None, "unclear", f"neither side wins by {self.margin} ({right:.2f} vs {wrong:.2f})", meta)


def _plan(sample: Sample, response: str) -> dict[str, Any]:
    """What to encode for one response: its sentences then the whole text, and the reference statements."""
    sentences = split_sentences(response)
    if sentences:
        sentences.append(" ".join(response.split()))
    item = sample.item
    return {
        "sentences": sentences,
        "correct": list(item.correct),
        "incorrect": list(item.incorrect),
    }
