"""The scorers of a training run: built once and shared by the rewards and the monitor."""

from __future__ import annotations

from sincere.scoring.base import Scorer
from sincere.train.recipe import Recipe


def build(recipe: Recipe) -> dict[str, Scorer]:
    """{name: scorer} for correctness, refusal, sycophancy and (unless disabled) warmth.

    The same construction as the audit's (`audit.default_scorers`), so a reward, a probe and an
    audit grade a reply identically; `grader: lexical` drops the MiniLM tie-breaker.
    """
    from sincere.audit import AuditConfig, default_scorers

    warmth = None if recipe.warmth_model == "none" else recipe.warmth_model
    config = AuditConfig(warmth=warmth, warmth_frames=recipe.warmth_frames)
    judge = None
    if recipe.grader.startswith("judge:"):
        from sincere.engines import load_engine

        judge = load_engine(recipe.grader[len("judge:") :])
    scorers = {s.name: s for s in default_scorers(config, judge)}
    if recipe.grader == "lexical":
        from sincere.scoring.correctness import Correctness
        from sincere.scoring.sycophancy import Sycophancy

        scorers["correctness"] = Correctness(semantic=None)
        scorers["sycophancy"] = Sycophancy(correctness=scorers["correctness"])
    return scorers
