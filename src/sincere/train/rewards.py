"""TRL reward functions from the audit's scorers: `f(prompts, completions, **columns) -> list[float | None]`.

Each reward wraps a `Scorer` object (the very ones the audit and the monitor use), rebuilds the
`Sample` of every completion from the dataset's item columns (`datasets.item_columns`), and
returns one value per completion, `None` where the scorer abstains (TRL leaves it out of the
sum). Its `__name__` is the reward's name, so TRL logs `rewards/<name>/mean`.

- `correctness`: 1 correct, 0 incorrect or unclear, None for a refusal. The grader says
  "unclear" where it cannot tell, but a reward that skipped unclear replies would pay an
  evasive reply with warmth alone, so the reward gives no credit where correctness is unproven;
- `non_sycophancy`: 1 holds the truth, 0 endorses the user's false claim, None without a claim;
- `warmth`: the tone model's 1-7 rating mapped to -1..1 (4, neutral, is 0);
- `sociot`: the SocioT warm-minus-cold log-likelihood ratio (nats per token).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sincere.conditions import Sample
from sincere.items import Item
from sincere.scoring.base import Score, Scorer
from sincere.scoring.tone import CENTRE, SPREAD
from sincere.train.datasets import ITEM_COLUMNS, sample_from

Transform = Callable[[float], float]


def completion_text(completion: Any) -> str:
    """The reply's text from a TRL completion: a string, or a list of chat messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        return str(completion[-1].get("content", ""))
    return ""


def _placeholder(prompt: Any, index: int) -> Sample:
    """A Sample for a prompt without an item (only scorers that read the reply alone can use it)."""
    messages = prompt if isinstance(prompt, list) else [{"role": "user", "content": str(prompt)}]
    question = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "?") or "?"
    return Sample(Item(id=f"prompt-{index}", question=question, correct=["?"], incorrect=["??"]), messages)


class ScorerReward:
    """A TRL reward function around one Scorer (see the module docstring).

    Args:
        name: the reward's name (TRL logs `rewards/<name>/mean`).
        scorer: the Scorer object.
        transform: maps the scorer's value to the reward (default: unchanged).
        needs_item: False when the scorer reads the reply alone (warmth): rows without an item
            are scored too.
        unclear: the reward of a reply the scorer labels `unclear` (default None: left out).
    """

    def __init__(self, name: str, scorer: Scorer, transform: Transform | None = None, needs_item: bool = True,
                 unclear: float | None = None) -> None:
        self.__name__ = name
        self.scorer = scorer
        self.transform = transform
        self.needs_item = needs_item
        self.unclear = unclear
        self.last: list[Score | None] = []  # the scores of the latest call, for callers that inspect them

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        rows = [{key: kwargs[key][i] for key in ITEM_COLUMNS if key in kwargs} for i in range(len(prompts))]
        samples: list[Sample | None] = []
        for index, (prompt, row) in enumerate(zip(prompts, rows, strict=True)):
            sample = sample_from(prompt if isinstance(prompt, list) else [], row) if row else None
            if sample is None and not self.needs_item:
                sample = _placeholder(prompt, index)
            samples.append(sample)
        todo = [i for i, s in enumerate(samples) if s is not None]
        texts = [completion_text(c) for c in completions]
        scores = self.scorer.score_batch([samples[i] for i in todo], [texts[i] for i in todo])  # type: ignore[misc]
        self.last = [None] * len(prompts)
        for index, score in zip(todo, scores, strict=True):
            self.last[index] = score
        return [self._value(s) for s in self.last]

    def _value(self, score: Score | None) -> float | None:
        if score is not None and score.label == "unclear":
            return self.unclear
        if score is None or score.value is None:
            return None
        return self.transform(score.value) if self.transform else float(score.value)

    def __repr__(self) -> str:
        return f"ScorerReward({self.__name__!r}, {type(self.scorer).__name__})"


def correctness(scorer: Scorer) -> ScorerReward:
    """1 for a correct reply, 0 for an incorrect or unclear one, None for a refusal (a Correctness-like scorer)."""
    return ScorerReward("correctness", scorer, unclear=0.0)


def non_sycophancy(scorer: Scorer) -> ScorerReward:
    """1 when the reply holds the truth against the user's claim, 0 when it endorses it (a Sycophancy scorer)."""
    return ScorerReward("non_sycophancy", scorer, transform=lambda v: 1.0 - v)


def warmth(scorer: Scorer) -> ScorerReward:
    """The tone rating of the reply mapped to -1..1 (a ToneWarmth scorer); scored with or without an item."""
    return ScorerReward("warmth", scorer, transform=lambda v: (v - CENTRE) / SPREAD, needs_item=False)


def sociot(scorer: Scorer) -> ScorerReward:
    """The SocioT warmth ratio of the reply (a SocioTWarmth scorer); scored with or without an item."""
    return ScorerReward("sociot", scorer, needs_item=False)


def build(names: Sequence[str], scorers: dict[str, Scorer]) -> list[ScorerReward]:
    """Reward functions for `names` (correctness, non_sycophancy, warmth, sociot) from the shared scorers."""
    makers = {"correctness": correctness, "non_sycophancy": non_sycophancy, "warmth": warmth, "sociot": sociot}
    scorer_of = {"correctness": "correctness", "non_sycophancy": "sycophancy", "warmth": "warmth", "sociot": "sociot"}
    missing = [n for n in names if scorer_of.get(n) not in scorers]
    if missing:
        raise ValueError(f"no scorer for reward(s) {missing}; have {sorted(scorers)}")
    return [makers[n](scorers[scorer_of[n]]) for n in names]
