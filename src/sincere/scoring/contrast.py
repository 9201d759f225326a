"""What the stance model cannot tell apart, read from the words: entities and the order of a comparison.

The stance model (`stance.py`) reads "an ugly duckling grows up to become a duck" as the same as
"Ugly ducklings become swans" (0.88), and "Water vapor is less dense than air" as the same as both
"Air is denser than water vapor" and "Water vapor is denser than air" (0.42 each). `contrasted`
corrects a sentence's probabilities where its words settle the question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sincere.scoring.text import (
    DENIAL_WORDS,
    NEGATING,
    NEGATION_AFTER,
    NEGATION_BEFORE,
    OPPOSITE_PAIRS,
    content_words,
    stem,
    tokenize,
)

#: Words with which a sentence may name one side's answer to deny it ("not a swan", "the myth that X",
#: "nothing supports the claim that X").
DENYING = NEGATION_BEFORE | NEGATION_AFTER | DENIAL_WORDS
#: Comparatives with their degree and direction: "lower" is "higher" turned round ("smaller" is "larger"'s,
#: its first pair).
DEGREES = {word: (up, sign) for up, down in reversed(OPPOSITE_PAIRS) for word, sign in ((up, 1), (down, -1))}
#: Verbs that compare ("the dead outnumber the living"), stemmed.
OUTDOING = frozenset(stem(w) for w in ("outnumber", "outnumbers", "outweigh", "outweighs", "exceed", "exceeds",
                                        "outlive", "outlives", "surpass", "outnumbered", "exceeded"))
#: Words before "than" that make no comparison ("other than", "rather than").
_NOT_COMPARATIVE = frozenset({"other", "rather"})


@dataclass(frozen=True)
class Comparison:
    """A text of the form "A is <more X / X-er / less X> than B" or "A outnumbers B": A's and B's content
    words, the degree (X stemmed, the comparative itself: "higher", "more" for a bare "more"/"less", or
    the verb) and its direction (+1 more, -1 less; turned round by a "not" before "than" or the verb; no
    comparison with a "not" after them, which may deny the whole)."""

    first: frozenset[str]
    second: frozenset[str]
    degree: str
    sign: int

    @classmethod
    def of(cls, text: str) -> Comparison | None:
        tokens = tokenize(text)
        verbs = [i for i, t in enumerate(tokens) if stem(t) in OUTDOING]
        if tokens.count("than") == 1 and tokens.index("than") >= 2:
            than = tokens.index("than")
            word, before = tokens[than - 1], tokens[than - 2]
            if word not in DEGREES and before in ("more", "less", "fewer"):  # "less dense than"
                degree, sign, start = stem(word), DEGREES[before][1], than - 2
            elif word in DEGREES:
                (degree, sign), start = DEGREES[word], than - 1
            elif word.endswith("er") and len(word) > 4 and word not in _NOT_COMPARATIVE:  # "denser", "healthier"
                degree, sign, start = stem(word[:-3] + "y" if word.endswith("ier") else word[:-2]), 1, than - 1
            else:
                return None
        elif len(verbs) == 1 and "than" not in tokens:  # "the dead outnumber the living"
            than = start = verbs[0]
            degree, sign = stem(tokens[than]), 1
        else:
            return None
        if NEGATING & set(tokens[than + 1 :]):  # "the notion that A outnumbers B is not true": which side?
            return None
        if NEGATING & set(tokens[:than]):
            sign = -sign
        first, second = content_words(tokens[:start]), content_words(tokens[than + 1 :])
        return cls(first - NEGATING, second - NEGATING, degree, sign)

    def reads(self, reference: Comparison) -> int:
        """+1 where this comparison says what the reference says, -1 its opposite, 0 where it cannot tell
        (another degree, or sides it does not name apart)."""
        short, long = sorted((self.degree, reference.degree), key=len)
        if not long.startswith(short) or (short != long and len(short) < 3):  # "dens" and "denser"'s "den"
            return 0
        first, second = reference.first - reference.second, reference.second - reference.first
        kept = bool(self.first & first or self.second & second)
        swapped = bool(self.first & second or self.second & first)
        if kept == swapped:
            return 0
        return self.sign * reference.sign * (1 if kept else -1)


@dataclass(frozen=True)
class Contrast:
    """What tells an item's references apart in words: each one's content words beyond the question's
    and a yes or no ("swan" of "Ugly ducklings become swans"), each one's comparison if it makes one,
    and the denying words the references do not use themselves ("exaggerated" denies nothing in
    "Reports of my death have been greatly exaggerated")."""

    distinct: tuple[frozenset[str], ...]
    comparisons: tuple[Comparison | None, ...]
    denying: frozenset[str]

    @classmethod
    def of(cls, question: str, references: Sequence[str]) -> Contrast:
        asked = content_words(tokenize(question)) | {"yes", "no"}  # a bare "Yes" names no entity
        used = frozenset(word for reference in references for word in tokenize(reference))
        return cls(tuple(content_words(tokenize(r)) - asked for r in references),
                   tuple(Comparison.of(r) for r in references), DENYING - (used - NEGATING))


def contrasted(probs: np.ndarray, sides: Sequence[int], contrast: Contrast, sentence: str) -> np.ndarray:
    """A sentence's (references, 3) probabilities with the stance model's mix-ups undone.

    Entities: where a sentence names words that only one side's references use (`Contrast.distinct`)
    and none that only the other side's use, it does not restate a reference of the other side whose
    own such words it lacks ('same' becomes 'neither'), nor deny a reference of its own side whose
    such words it all names ('opposite' becomes 'neither').
    Comparisons: where a sentence and a reference compare the same two things in the same degree
    (`Comparison.reads`), the order and direction decide 'same' or 'opposite'.
    A sentence with a denying word (`Contrast.denying`) is left as the model reads it, except that a
    plain "not" turns a comparison round.
    """
    tokens = tokenize(sentence)
    denied = contrast.denying & set(tokens)
    if denied - NEGATING:
        return probs
    out = probs if denied else _entities(probs, sides, contrast.distinct, content_words(tokens))
    compared = Comparison.of(sentence)
    verdicts = [compared.reads(r) if compared and r else 0 for r in contrast.comparisons]
    if any(verdicts):
        out = out.copy()
        for k, verdict in enumerate(verdicts):
            if verdict:
                addressed = 1 - out[k, 2]
                out[k] = (addressed, 0.0, out[k, 2]) if verdict > 0 else (0.0, addressed, out[k, 2])
    return out


def _entities(probs: np.ndarray, sides: Sequence[int], distinct: Sequence[frozenset[str]],
              words: frozenset[str]) -> np.ndarray:
    """The entity correction of `contrasted`."""
    pairs = list(zip(distinct, sides, strict=True))
    right = frozenset().union(*(d for d, side in pairs if side > 0))
    wrong = frozenset().union(*(d for d, side in pairs if side < 0))
    only = {1: right - wrong, -1: wrong - right}
    named = [side for side in (1, -1) if words & only[side]]
    if len(named) != 1:
        return probs
    side = named[0]
    out = probs.copy()
    for k, (own, theirs) in enumerate(pairs):
        if theirs != side and own & only[theirs] and not own & words:
            out[k] = (0.0, out[k, 1], out[k, 2] + out[k, 0])
        elif theirs == side and own & only[side] and own & only[side] <= words and out[k, 1] > out[k, 0]:
            out[k] = (out[k, 0], 0.0, out[k, 2] + out[k, 1])
    return out
