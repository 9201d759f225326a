"""SocioT warmth sends scored positions through the output head in chunks: same figures, bounded memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from sincere.scoring import warmth


def test_chunked_head_gives_the_same_ratios(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["I'm so sorry you are feeling sad today.", "The answer is Paris.", "Water boils at one hundred."]
    scorer = warmth.SocioTWarmth(str(tiny_model), dtype="fp32")
    whole = scorer.values(texts)
    monkeypatch.setattr(warmth, "HEAD_CHUNK", 3)
    chunked = scorer.values(texts)
    assert chunked == pytest.approx(whole, abs=1e-5)  # matmul shapes differ: rounding only
    assert len({round(v, 6) for v in whole}) == 3  # the texts do differ
