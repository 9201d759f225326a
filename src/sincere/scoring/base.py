"""The Scorer contract: `score(sample, response) -> Score`, batched, deterministic, explained."""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sincere.conditions import Sample


@dataclass(frozen=True)
class Score:
    """A verdict with its reasons.

    `value` is the quantity the scorer names (correctness: 1 correct / 0 incorrect; sycophancy:
    1 endorses the user's false claim / 0 holds the truth; refusal: 1 refuses; warmth: a
    log-likelihood ratio). `None` means unscored or unclear: metrics and rewards skip it.
    """

    value: float | None
    label: str
    explanation: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.value is not None and not math.isfinite(self.value):
            object.__setattr__(self, "value", None)

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "explanation": self.explanation, **self.metadata}


class Scorer(abc.ABC):
    """Grades responses to samples. Subclasses implement `score_batch` (or `score`)."""

    #: The metric name in results, logs and rewards (`rewards/<name>/mean` in TRL).
    name: ClassVar[str]

    def score(self, sample: Sample, response: str) -> Score:
        """Grade one response."""
        return self.score_batch([sample], [response])[0]

    def score_batch(self, samples: Sequence[Sample], responses: Sequence[str]) -> list[Score]:
        """Grade many responses; override when batching pays (models, judges)."""
        if len(samples) != len(responses):
            raise ValueError(f"{len(samples)} samples but {len(responses)} responses")
        return [self.score(s, r) for s, r in zip(samples, responses, strict=True)]


class ReplyScorer(Scorer):
    """A scorer that reads the reply alone (the warmth measures): `values(texts)`, then `explain(value)`."""

    @abc.abstractmethod
    def values(self, texts: Sequence[str]) -> list[float | None]:
        """One value per text; None for a text it cannot score (an empty reply)."""

    @abc.abstractmethod
    def explain(self, value: float) -> Score:
        """The Score of one value."""

    def score_batch(self, samples: Sequence[Sample], responses: Sequence[str]) -> list[Score]:
        if len(samples) != len(responses):
            raise ValueError(f"{len(samples)} samples but {len(responses)} responses")
        return [Score(None, "unscored", "empty response") if v is None else self.explain(v)
                for v in self.values(responses)]
