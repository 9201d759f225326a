from __future__ import annotations

import pytest

from sincere.vectors.metrics import auroc, auroc_ci, cohens_d


def test_auroc_perfect_reversed_and_ties() -> None:
    assert auroc([1, 2, 3, 4], [0, 0, 1, 1]) == 1.0
    assert auroc([4, 3, 2, 1], [0, 0, 1, 1]) == 0.0
    assert auroc([1, 1, 1, 1], [0, 1, 0, 1]) == 0.5
    assert auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75


def test_auroc_skips_missing_and_needs_both_classes() -> None:
    assert auroc([1, None, 3, float("nan"), 2], [0, 1, 1, 0, None]) == 1.0
    assert auroc([1, 2], [1, 1]) is None
    with pytest.raises(ValueError):
        auroc([1, 2], [0, 2])


def test_auroc_ci_brackets_the_estimate() -> None:
    scores = [0.1, 0.3, 0.2, 0.6, 0.5, 0.9, 0.4, 0.8, 0.35, 0.7]
    labels = [0, 0, 0, 1, 0, 1, 1, 1, 0, 1]
    result = auroc_ci(scores, labels, n_boot=300, seed=1)
    assert result.n == 10 and result.n_positive == 5
    assert result.low <= result.auroc <= result.high
    assert result == auroc_ci(scores, labels, n_boot=300, seed=1)
    assert auroc_ci([1.0], [1]).auroc is None


def test_cohens_d_sign() -> None:
    assert cohens_d([3, 4, 5], [0, 1, 2]) == pytest.approx(3.0)
    assert cohens_d([0, 1, 2], [3, 4, 5]) == pytest.approx(-3.0)
    assert cohens_d([1], [2, 3]) is None
