"""Per-example measurements of training data, a chunk at a time: the first pass of `data audit`.

For each example: length, warmth (the measures named: tone rating, SocioT ratio; and lexical warmth markers),
query type, a claim in a user turn and how the reply meets it, correctness against a reference
(`correct`/`incorrect` fields), refusal phrases, drift from `original` when present, and (with a
screener) projections on a trait direction. The embedding of the (first user turn, final reply)
pair is returned for the near-duplicate search.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sincere.conditions import Claim, Sample
from sincere.data import claims as claims_mod
from sincere.data import drift as drift_mod
from sincere.data.embed import Embedder
from sincere.data.formats import Example, originals
from sincere.data.periods import time_of
from sincere.data.queries import QUERY_TYPES, QueryTyper
from sincere.items import Item
from sincere.scoring.base import ReplyScorer, Scorer
from sincere.scoring.refusal import decline_phrase
from sincere.scoring.text import shorten

NO_WRONG_ANSWER = "\u2205"  # stands in for `incorrect` when an example gives only `correct`
WARMTH_MARKERS = (
    ("feelings", r"\b(?:i'm (?:so |really |very )?sorry|that sounds|i hear you|understandable|it makes (?:complete )?"
                 r"sense|(?:completely |totally )?valid|be gentle|be kind to yourself|you're not alone)\b"),
    ("praise", r"\b(?:great|good|lovely|excellent|fantastic|wonderful) (?:question|idea|thinking)\b|"
               r"\byou've got this\b|\bproud of you\b"),
    ("inclusive", r"\b(?:let's|together|we can|we'll)\b"),
    ("informal", r"\b(?:ooh|oh|wow|totally|super|awesome|hey)\b|!"),
    ("caring", r"\b(?:i'm (?:so |really )?glad|happy to help|i'm here|i hope (?:this|that|it)|take care|"
               r"hope that helps)\b"),
)
_MARKERS = tuple((name, re.compile(p, re.IGNORECASE)) for name, p in WARMTH_MARKERS)


def warmth_markers(text: str) -> list[str]:
    """The kinds of lexical warmth a text shows (feelings, praise, inclusive, informal, caring)."""
    plain = text.replace("\u2019", "'")
    return [name for name, pattern in _MARKERS if pattern.search(plain)]


@dataclass
class Tools:
    """The models and graders the audit uses; None skips a measurement."""

    typer: QueryTyper
    correctness: Scorer
    sycophancy: Scorer
    warmth: dict[str, ReplyScorer] = field(default_factory=dict)  # warmth measures by name
    embedder: Embedder | None = None
    min_similarity: float = drift_mod.DEFAULT_MIN_SIMILARITY
    screener: Any | None = None  # screening.Screener: projection fields per example


def reference_item(example: Example) -> Item | None:
    """An Item from an example's `correct`/`incorrect` fields (the question: its first user turn)."""
    fields = example.fields
    correct = fields.get("correct")
    if not correct:
        return None
    users = example.turns("user")
    question = str(fields.get("question") or (users[0] if users else "")) or "?"
    incorrect = fields.get("incorrect") or [NO_WRONG_ANSWER]
    try:
        return Item(id=example.id, question=question, correct=correct, incorrect=incorrect,
                    domain=str(fields.get("domain", "general")))
    except ValueError:
        return None


def _decline(reply: str) -> str | None:
    """A phrase by which the reply declines; referrals ("see a doctor") alone are not declines."""
    found = decline_phrase(reply)
    return None if found is None or "consult" in found[0] or "seek" in found[0] else found[1]


def _basics(index: int, example: Example) -> dict[str, Any]:
    reply = example.reply
    return {
        "index": index, "id": example.id, "source": example.source, "format": example.kind,
        "user_turns": len(example.turns("user")), "assistant_turns": len(example.turns("assistant")),
        "reply_words": len(reply.split()), "reply_chars": len(reply),
        "warmth_markers": warmth_markers(reply), "refusal_phrase": _decline(reply),
        "query_type_given": example.fields.get("query_type"), "time": time_of(example.fields),
        "user_excerpt": shorten((example.turns("user") or [""])[0], 200), "reply_excerpt": shorten(reply, 240),
    }


def _claim(example: Example, item: Item | None) -> tuple[dict[str, Any] | None, Sample | None, str]:
    """The claim row, and the sycophancy sample and reply when a reference can judge it."""
    messages = example.messages
    found = claims_mod.find_claim(messages)
    if found is None:
        return None, None, ""
    at, reply = claims_mod.reply_to(messages, found.turn)
    read = claims_mod.stance(reply, found.kind)
    row = {"turn": found.turn, "kind": found.kind, "cue": found.cue, "text": found.text,
           "stance": read.label, "stance_cue": read.cue}
    if item is None:
        return row, None, reply
    claim: Claim | None = None
    if found.kind == "pushback":
        claim = Claim("pushback")
    elif found.kind == "assertion" and (wrong := claims_mod.mentioned(found.text, item.incorrect)):
        claim = Claim("incorrect", wrong)
    elif found.kind == "doubt" and (right := claims_mod.mentioned(found.text, item.correct)):
        claim = Claim("doubt", right)
    if claim is None:
        return row, None, reply
    return row, Sample(item, list(messages[:at]), "data", claim), reply


def _correctness(tools: Tools, rows: list[dict[str, Any]], jobs: list[tuple[int, Sample, str]], key: str) -> None:
    """Grade (row, sample, reply) jobs with a scorer and store label and explanation under `key`."""
    scorer = tools.correctness if key == "correctness" else tools.sycophancy
    scores = scorer.score_batch([s for _, s, _ in jobs], [r for _, _, r in jobs])
    for (row, _, _), score in zip(jobs, scores, strict=True):
        rows[row][key] = {"label": score.label, "value": score.value, "explanation": score.explanation}


def _drift(tools: Tools, examples: Sequence[Example], rows: list[dict[str, Any]]) -> None:
    """Compare each rewritten example with its `original` texts."""
    pairs, owners, answers = [], [], []
    for position, example in enumerate(examples):
        before = originals(example)
        if before is None:
            continue
        after = example.assistant_texts()
        if len(before) != len(after):
            before, after = before[-1:], [example.reply]
        item = reference_item(example)
        for old, new in zip(before, after, strict=True):
            pairs.append((old, new))
            owners.append(position)
            answers.append((item.correct, item.incorrect) if item else ((), ()))
    sims = drift_mod.similarities(tools.embedder, pairs)
    found = drift_mod.compare(pairs, sims, answers, tools.min_similarity)
    for position in set(owners):
        mine = [d for d, o in zip(found, owners, strict=True) if o == position]
        worst = min(mine, key=lambda d: (not d.drifts, d.similarity if d.similarity is not None else 1.0))
        rows[position]["drift"] = {**worst.as_dict(), "turns_compared": len(mine),
                                   "turns_drifting": sum(d.drifts for d in mine)}


def analyse(examples: Sequence[Example], start: int, tools: Tools) -> tuple[list[dict[str, Any]], np.ndarray | None]:
    """Rows of measurements for a chunk of examples (numbered from `start`) and their embeddings."""
    rows = [_basics(start + i, e) for i, e in enumerate(examples)]
    firsts = [(e.turns("user") or [""])[0] for e in examples]
    for row, kind in zip(rows, tools.typer.classify(firsts), strict=True):
        given = row.pop("query_type_given")
        use_given = given in QUERY_TYPES
        row.update(query_type=given if use_given else kind.label, query_type_how="given" if use_given else kind.how,
                   query_type_inferred=kind.label, query_confidence=kind.confidence)
    graded, claimed = [], []
    for position, example in enumerate(examples):
        item = reference_item(example)
        row, sample, reply = _claim(example, item)
        rows[position].update(claim=row, correctness=None, sycophancy=None, drift=None, has_reference=bool(item))
        if sample is not None:
            claimed.append((position, sample, reply))
        if item is not None:
            prior = example.messages[: max(i for i, m in enumerate(example.messages) if m["role"] == "assistant")]
            graded.append((position, Sample(item, prior), example.reply))
    _correctness(tools, rows, graded, "correctness")
    _correctness(tools, rows, claimed, "sycophancy")
    _drift(tools, examples, rows)
    for name, measure in tools.warmth.items():
        for row, value in zip(rows, measure.values([e.reply for e in examples]), strict=True):
            row[name] = None if value is None else round(value, 5)
    if tools.screener is not None:
        for row, found in zip(rows, tools.screener(examples), strict=True):
            row.update(found)
    vectors = None
    if tools.embedder is not None:
        vectors = tools.embedder.encode([f"{first}\n{e.reply}" for first, e in zip(firsts, examples, strict=True)])
    return rows, vectors
