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


#: Labels that decide nothing: rates are over the other replies, and coverage counts them.
UNDECIDED = frozenset({"unclear", "unscored"})


@dataclass(frozen=True)
class ResultField:
    """A number a scorer adds to each audit row, which the statistics summarise per condition and the
    tables show: a share of replies (`share`, shown as a percentage) or a score with `digits` decimals."""

    name: str
    title: str
    share: bool = True
    digits: int = 2
    signed: bool = False

    def shown(self, value: float) -> str:
        """A value as the CLI table shows it (a share as a whole percentage)."""
        return f"{100 * value:.0f}%" if self.share else format(value, f"{'+' if self.signed else ''}.{self.digits}f")


class Scorer(abc.ABC):
    """Grades responses to samples. Subclasses implement `score_batch` (or `score`)."""

    #: The metric name in results, logs and rewards (`rewards/<name>/mean` in TRL).
    name: ClassVar[str]
    #: The numbers this scorer adds to each audit row (`row`); none for a scorer that only calibrates.
    fields: ClassVar[tuple[ResultField, ...]] = ()

    @classmethod
    def row(cls, score: dict[str, Any]) -> dict[str, float | None]:
        """This scorer's fields from its score (`Score.as_dict()`): by default the value under each field."""
        return {f.name: score.get("value") for f in cls.fields}

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
