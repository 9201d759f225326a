"""Scorers: one object grades an audit, scores training data, rewards RL and probes a training run."""

from sincere.scoring.base import Score, Scorer
from sincere.scoring.correctness import Correctness, LexicalCorrectness
from sincere.scoring.judge import Judge, JudgeCorrectness, JudgeWarmth
from sincere.scoring.refusal import RefusalScorer
from sincere.scoring.semantic import SemanticCorrectness
from sincere.scoring.sycophancy import Sycophancy
from sincere.scoring.validate import agreement, validate

__all__ = [
    "Correctness",
    "Judge",
    "JudgeCorrectness",
    "JudgeWarmth",
    "LexicalCorrectness",
    "RefusalScorer",
    "Score",
    "Scorer",
    "SemanticCorrectness",
    "Sycophancy",
    "agreement",
    "validate",
]
