"""How well a projection separates two groups: AUROC (with a bootstrap CI) and Cohen's d.

>>> auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
0.75
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata


@dataclass(frozen=True)
class AurocCI:
    """An AUROC with a percentile-bootstrap interval over `n` scored rows (`n_positive` of them positive)."""

    auroc: float | None
    low: float | None
    high: float | None
    n: int
    n_positive: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clean(scores: Sequence[Any], labels: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Scores and 0/1 labels with the rows where either is missing (None or NaN) left out."""
    if len(scores) != len(labels):
        raise ValueError(f"{len(scores)} scores but {len(labels)} labels")
    keep = [
        (float(s), float(y)) for s, y in zip(scores, labels, strict=True)
        if s is not None and y is not None and not math.isnan(float(s)) and not math.isnan(float(y))
    ]
    x = np.array([s for s, _ in keep], dtype=float)
    y = np.array([v for _, v in keep], dtype=float)
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0/1 (or None)")
    return x, y.astype(bool)


def _auroc(x: np.ndarray, y: np.ndarray) -> float | None:
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(x)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auroc(scores: Sequence[Any], labels: Sequence[Any]) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half); None
    when a class is empty. Missing scores or labels are skipped."""
    return _auroc(*_clean(scores, labels))


def auroc_ci(
    scores: Sequence[Any], labels: Sequence[Any], *, n_boot: int = 2000, level: float = 0.95, seed: int = 0
) -> AurocCI:
    """AUROC with a percentile-bootstrap CI; rows are resampled within each class (stratified)."""
    x, y = _clean(scores, labels)
    point = _auroc(x, y)
    n, n_pos = len(x), int(y.sum())
    if point is None:
        return AurocCI(None, None, None, n, n_pos)
    rng = np.random.default_rng(seed)
    pos, neg = x[y], x[~y]
    labels_b = np.r_[np.ones(len(pos), bool), np.zeros(len(neg), bool)]
    draws = [
        _auroc(np.r_[rng.choice(pos, len(pos)), rng.choice(neg, len(neg))], labels_b) for _ in range(n_boot)
    ]
    alpha = (1 - level) / 2
    low, high = np.quantile(np.array(draws, dtype=float), [alpha, 1 - alpha])
    return AurocCI(point, float(low), float(high), n, n_pos)


def cohens_d(positive: Sequence[float] | np.ndarray, negative: Sequence[float] | np.ndarray) -> float | None:
    """Standardised mean difference (positive minus negative) with the pooled SD; None when undefined."""
    a, b = np.asarray(positive, dtype=float), np.asarray(negative, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        return None
    pooled = ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
    if pooled <= 0:
        return None
    return float((a.mean() - b.mean()) / math.sqrt(pooled))
