"""The sweep: runs over weight settings, each audited, and the non-dominated warmth-error front."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sincere import audit
from sincere.scoring.base import Score, Scorer
from sincere.train.sweep import SweepConfig, front, sweep


def test_front_marks_the_non_dominated_runs() -> None:
    points = [(0.01, 0.30), (0.02, 0.30), (0.03, 0.40), (0.02, 0.20), (None, 0.1), (0.03, 0.40)]
    assert front(points) == [False, False, True, True, False, True]


class EveryReplyWrong(Scorer):
    """A scripted correctness grader: the tiny random model's replies name no answer (unclear), so the
    front would have no error rate to plot."""

    name = "correctness"

    def score(self, sample: object, response: str) -> Score:
        return Score(0.0, "incorrect", "scripted")


def test_a_tiny_sweep_trains_audits_and_plots(tiny: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = audit.default_scorers
    monkeypatch.setattr(audit, "default_scorers", lambda config, judge=None: [
        EveryReplyWrong(), *(s for s in real(config, judge) if s.name != "correctness")])
    overrides = {k: v for k, v in tiny.items()} | {"augment_suite": "trivia", "augment_limit": 2, "max_steps": 1,
                                                   "num_generations": 2, "max_completion_length": 4,
                                                   "monitor_every": 0, "objective": "weighted"}
    result = sweep(SweepConfig(weights=["correctness=1,warmth=0", "correctness=0,warmth=1"], out=str(tmp_path),
                               overrides=[f"{k}={v}" for k, v in overrides.items()], audit_suite="trivia",
                               audit_limit=2, audit_conditions="unmodified", audit_max_new_tokens=4))
    names = [row["name"] for row in result["runs"]]
    assert names == ["base", "correctness=1-warmth=0", "correctness=0-warmth=1"]
    for name in names:
        assert (tmp_path / name / "audit" / "summary.json").is_file()
    assert (tmp_path / "correctness=1-warmth=0" / "train" / "model" / "adapter_config.json").is_file()
    with open(tmp_path / "front.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["name"] for r in rows] == names and any(r["front"] == "True" for r in rows)
    assert (tmp_path / "front.png").is_file() and (tmp_path / "front.svg").is_file()
