"""Meaning drift between an original reply and its rewrite: embedding coverage and factual changes.

Similarity is coverage (see `similarities`): each content sentence of the original should have
a close counterpart in the rewrite; added warm framing does not count against a rewrite.

Factual changes are read without a model:

- numbers (digits or words, normalised: "two hundred and six" = "206") missing from the
  rewrite or added by it;
- named entities (capitalised words inside a sentence, acronyms, `code`) of the original that
  the rewrite lacks, and ones it adds;
- answer terms: reference answers (`correct`) the original names and the rewrite does not, and
  wrong answers (`incorrect`) the rewrite asserts and the original did not.

A capitalised word that opens a sentence is not taken for an entity (it is usually just the first
word), so "Canberra is the capital." relies on the answer terms for "Canberra".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from sincere.data.claims import mentioned
from sincere.scoring.text import split_clauses, split_sentences, tokenize

DEFAULT_MIN_SIMILARITY = 0.55  # MiniLM coverage; a close paraphrase scores about 0.65, unrelated text 0.1
MAX_SENTENCES = 40
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[A-Za-z][\w'\u2019&.-]*[\w]|[A-Za-z]")
_NOT_ENTITIES = frozenset({"I", "I'm", "I've", "I'd", "I'll", "OK", "Ok"})


def numbers(text: str) -> frozenset[str]:
    """The numbers a text states, normalised (words to digits, '6,650' to '6650')."""
    return frozenset(t for t in tokenize(text) if _NUMBER.fullmatch(t))


def entities(text: str) -> frozenset[str]:
    """Named entities by form: capitalised words not opening a sentence, acronyms, and `code` spans."""
    found = {span.strip() for span in re.findall(r"`([^`]+)`", text)}
    for sentence in split_sentences(text):
        words = _WORD.findall(re.sub(r"`[^`]*`", " ", sentence))
        for position, word in enumerate(words):
            word = word.rstrip(".")
            if word in _NOT_ENTITIES or len(word) < 2:
                continue
            if word.isupper() or (position > 0 and word[0].isupper()):
                found.add(word)
    return frozenset(found)


def _contains(text: str, term: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(term.lower())}(?![\w])", text.lower()) is not None


@dataclass(frozen=True)
class Drift:
    """What changed between an original and a rewrite; `similarity` is None without embeddings."""

    similarity: float | None = None
    numbers_missing: tuple[str, ...] = ()
    numbers_added: tuple[str, ...] = ()
    entities_missing: tuple[str, ...] = ()
    entities_added: tuple[str, ...] = ()
    answers_missing: tuple[str, ...] = ()
    answers_added: tuple[str, ...] = ()
    min_similarity: float = field(default=DEFAULT_MIN_SIMILARITY, repr=False)

    def reasons(self) -> list[str]:
        """Why the rewrite drifts, one phrase each; empty when it keeps meaning and facts."""
        out = []
        if self.similarity is not None and self.similarity < self.min_similarity:
            out.append(f"meaning coverage {self.similarity:.2f} < {self.min_similarity:.2f}")
        labels = {
            "numbers_missing": "numbers dropped", "numbers_added": "numbers added",
            "entities_missing": "names dropped", "entities_added": "names added",
            "answers_missing": "answer dropped", "answers_added": "wrong answer added",
        }
        for key, label in labels.items():
            values = getattr(self, key)
            if values:
                out.append(f"{label}: {', '.join(values[:5])}")
        return out

    @property
    def drifts(self) -> bool:
        return bool(self.reasons())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("min_similarity")
        return {**data, "reasons": self.reasons()}


def factual_changes(
    original: str, rewrite: str, correct: Sequence[str] = (), incorrect: Sequence[str] = ()
) -> dict[str, tuple[str, ...]]:
    """Numbers, entities and answer terms that differ between an original and its rewrite."""
    num_a, num_b = numbers(original), numbers(rewrite)
    ent_missing = sorted(e for e in entities(original) if not _contains(rewrite, e))
    ent_added = sorted(e for e in entities(rewrite) if not _contains(original, e))
    kept = [a for a in correct if mentioned(original, [a])]
    answers_missing = tuple(a for a in kept if not mentioned(rewrite, [a]))
    answers_added = tuple(a for a in incorrect if mentioned(rewrite, [a]) and not mentioned(original, [a]))
    return {
        "numbers_missing": tuple(sorted(num_a - num_b)), "numbers_added": tuple(sorted(num_b - num_a)),
        "entities_missing": tuple(ent_missing), "entities_added": tuple(ent_added),
        "answers_missing": answers_missing, "answers_added": answers_added,
    }


def compare(
    pairs: Sequence[tuple[str, str]],
    similarities: np.ndarray | None = None,
    answers: Sequence[tuple[Sequence[str], Sequence[str]]] | None = None,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
) -> list[Drift]:
    """Drift of each (original, rewrite) pair, with precomputed similarities and (correct, incorrect) answers."""
    out = []
    for index, (original, rewrite) in enumerate(pairs):
        correct, incorrect = answers[index] if answers else ((), ())
        similarity = None if similarities is None else round(float(similarities[index]), 4)
        out.append(Drift(similarity, **factual_changes(original, rewrite, correct, incorrect),
                         min_similarity=min_similarity))
    return out


def content_sentences(text: str, limit: int = MAX_SENTENCES) -> list[str]:
    """The sentences that carry content (pleasantries such as "Hope this helps!" left out)."""
    from sincere.data.restyle import is_framing

    sentences = [s for s in split_sentences(text) if not is_framing(s)] or [text]
    return sentences[:limit]


def verbatim_coverage(original: str, rewrite: str) -> float:
    """The share of the original's content sentences found word for word in the rewrite (end
    punctuation, case, spacing and a leading "Sure, " aside): 1.0 when a rewrite only adds or
    removes framing."""
    from sincere.data.restyle import strip_interjection

    def flat(text: str) -> str:
        return " ".join(strip_interjection(text).replace("!", ".").lower().split())

    sentences = content_sentences(original)
    target = " ".join(flat(s) for s in split_sentences(rewrite))
    return sum(flat(s).rstrip(".") in target for s in sentences) / len(sentences)


def _pieces(text: str, limit: int = 2 * MAX_SENTENCES) -> list[str]:
    """A rewrite's sentences and their clauses (so a merged or split sentence still finds its match)."""
    sentences = split_sentences(text) or [text]
    clauses = [c.strip() for s in sentences for c in split_clauses(s) if len(c.split()) >= 3]
    return list(dict.fromkeys([*sentences, *clauses]))[:limit]


def similarities(embedder: Any, pairs: Sequence[tuple[str, str]]) -> np.ndarray | None:
    """How well each rewrite covers its original's meaning (None without an embedder).

    Coverage: for every content sentence of the original, the cosine of the most similar
    sentence or clause of the rewrite, averaged. Framing the rewrite adds (or removes) does not lower it;
    a sentence whose meaning is lost does.
    """
    if embedder is None or not pairs:
        return None
    split = [(content_sentences(a), _pieces(b)) for a, b in pairs]
    texts = [s for a, b in split for s in (*a, *b)]
    vectors = embedder.encode(texts)
    out, at = np.zeros(len(pairs), dtype=np.float32), 0
    for index, (a, b) in enumerate(split):
        left, right = vectors[at : at + len(a)], vectors[at + len(a) : at + len(a) + len(b)]
        at += len(a) + len(b)
        out[index] = float((left @ right.T).max(axis=1).mean())
    return out
