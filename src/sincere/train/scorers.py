"""The scorers of a training run: built once and shared by the rewards and the monitor."""

from __future__ import annotations

from sincere.scoring.base import Scorer
from sincere.train.recipe import Recipe


def build(recipe: Recipe) -> dict[str, Scorer]:
    """{name: scorer} for correctness, refusal, sycophancy and (unless disabled) warmth.

    Built by `scoring.factory` like the audit's, so a reward, a probe and an audit grade a reply
    identically; `grader: lexical` reads without the stance model and the MiniLM tie-breaker.
    """
    from sincere.scoring import factory

    return factory.build(recipe.grader, warmth=recipe.warmth, warmth_frames=recipe.warmth_frames)
