"""Query types of user turns: a few high-precision rules, then nearest neighbours in the built-in corpus.

The types are the study's six (factual, advice, creative, technical, refusal, other) plus
emotional support. A rule that fires decides (a code block is technical, "write me a poem" is
creative); otherwise the first user turn is embedded and the `k` most similar labelled user turns
of the built-in corpus vote, weighted by similarity (nothing similar: `other`). Without an embedder only the rules apply
and anything they miss is `other`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sincere import jsonl, paths
from sincere.data.embed import Embedder

MIN_NEIGHBOUR = 0.3  # below this similarity to every corpus query, the type is `other`
QUERY_TYPES = ("factual", "advice", "emotional_support", "creative", "technical", "refusal", "other")
_FEELING = r"(?:sad|lonely|depressed|anxious|heartbroken|overwhelmed|stressed|scared|hopeless|worthless|" \
    r"miserable|empty|lost|exhausted|burnt out|burned out|awful|terrible|down|low|alone|afraid|devastated|" \
    r"gutted)(?! at\b)"
RULES: tuple[tuple[str, str, str], ...] = (
    ("technical", "code block or stack trace", r"```|\bTraceback \(most recent call last\)|\b\w+Error: "),
    ("technical", "programming term",
     r"\b(?:python|javascript|typescript|sql|regex|git|docker|kubernetes|bash|linux|css|html|json|yaml|api|"
     r"compile[rd]?|segfault|stack ?overflow|npm|pip install|c\+\+|rust|golang|java)\b"),
    ("creative", "asks for a creative piece",
     r"\b(?:write|compose|make up|come up with|give me)\b.{0,30}\b(?:poem|story|song|haiku|limerick|lyrics|"
     r"joke|slogan|toast|riddle|names? for|tagline|fairy tale|short story|rap)\b"),
    ("refusal", "asks for harm",
     r"\b(?:how (?:do|can|could) i|help me|teach me|tell me how to)\b.{0,40}\b(?:make a bomb|poison|stalk|"
     r"hack into|steal|break into|shoplift|hurt someone|kill|launder|forge|fake an? (?:id|passport|prescription)|"
     r"without (?:them|him|her|anyone) knowing|get away with)\b"),
    ("emotional_support", "states a painful feeling",
     rf"\bi(?:'m| am| feel| have been feeling|'ve been feeling|'ve been| have been) (?:so |really |very |"
     rf"just |pretty |completely |totally )?{_FEELING}\b|\bi can't stop crying\b|\bi (?:hate|can't stand) myself\b"),
)
_COMPILED = tuple((label, why, re.compile(pattern, re.IGNORECASE)) for label, why, pattern in RULES)


@dataclass(frozen=True)
class QueryType:
    """A query type with how it was decided (`rule: ...`, `nearest: corpus-012 0.71`) and a confidence."""

    label: str
    how: str
    confidence: float


def rule_type(text: str) -> QueryType | None:
    """The query type a rule assigns to a user turn, if any."""
    for label, why, pattern in _COMPILED:
        match = pattern.search(text)
        if match:
            return QueryType(label, f"rule: {why} ({match.group(0)[:40]!r})", 1.0)
    return None


class QueryTyper:
    """Assigns query types to user turns (see the module docstring).

    Args:
        embedder: the sentence embedder, or None for rules only.
        k: neighbours that vote.
    """

    def __init__(self, embedder: Embedder | None, k: int = 10) -> None:
        self.embedder = embedder
        self.k = k
        self._index: tuple[np.ndarray, list[str], list[str]] | None = None

    def _corpus(self) -> tuple[np.ndarray, list[str], list[str]]:
        if self._index is None:
            from sincere.data.sources import builtin_corpus_path

            path = builtin_corpus_path()
            rows = [r for _, r in jsonl.strict_records(path)]
            texts = [r["messages"][0]["content"] for r in rows]
            self._index = (_cached_vectors(self.embedder, texts), [r["query_type"] for r in rows],
                           [r["id"] for r in rows])  # type: ignore[arg-type]
        return self._index

    def classify(self, texts: Sequence[str]) -> list[QueryType]:
        """The query type of each user turn."""
        ruled = [rule_type(t) for t in texts]
        todo = [i for i, r in enumerate(ruled) if r is None]
        if self.embedder is None or not todo:
            return [r or QueryType("other", "no rule matched (embeddings off)", 0.0) for r in ruled]
        vectors, labels, ids = self._corpus()
        sims = self.embedder.encode([texts[i] for i in todo]) @ vectors.T
        out = list(ruled)
        for row, index in enumerate(todo):
            out[index] = self._vote(sims[row], labels, ids)
        return out  # type: ignore[return-value]

    def _vote(self, sims: np.ndarray, labels: list[str], ids: list[str]) -> QueryType:
        top = np.argsort(-sims)[: self.k]
        if sims[top[0]] < MIN_NEIGHBOUR:
            return QueryType("other", f"no similar corpus query (best {ids[int(top[0])]} {sims[top[0]]:.2f})", 0.0)
        votes: dict[str, float] = {}
        for j in top:
            votes[labels[j]] = votes.get(labels[j], 0.0) + max(float(sims[j]), 0.0)
        label = max(votes, key=lambda key: votes[key])
        share = votes[label] / (sum(votes.values()) or 1.0)
        nearest = int(top[0])
        return QueryType(label, f"nearest: {ids[nearest]} ({sims[nearest]:.2f})", round(share, 3))


def _cached_vectors(embedder: Embedder | None, texts: list[str]) -> np.ndarray:
    """Embeddings of the corpus's user turns, cached on disk by model and content."""
    if embedder is None:  # pragma: no cover - callers check
        raise ValueError("an embedder is needed")
    key = hashlib.sha256("\n".join([embedder.model_name, *texts]).encode()).hexdigest()[:16]
    path = paths.home() / "embeddings" / f"corpus-users-{key}.npy"
    if path.is_file():
        return np.load(path)
    vectors = embedder.encode(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{key}.tmp.npy")
    np.save(tmp, vectors)
    tmp.replace(path)
    return vectors
