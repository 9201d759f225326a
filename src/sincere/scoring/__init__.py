"""Scorers: one object grades an audit, scores training data, rewards RL and probes a training run."""

from sincere.scoring.base import Score, Scorer

__all__ = ["Score", "Scorer"]
