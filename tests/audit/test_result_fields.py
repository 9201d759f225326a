"""A scorer declares the numbers it adds to audit rows (issue 13, item 5): a new scorer listed in the
factory reaches the rows, the statistics, the CLI table, the report and the trackers, with no other change."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from sincere import audit, trackers
from sincere.cli.audit import summary_rows
from sincere.conditions import Sample
from sincere.report import write_report
from sincere.scoring import factory
from sincere.scoring.base import ResultField, Score, Scorer
from tests.audit.test_audit import CONFIG, Honest, suite  # noqa: F401  (suite: a fixture)


class Hedging(Scorer):
    """Says whether a reply hedges ("I think", "maybe")."""

    name = "hedging"
    fields = (ResultField("hedging", "Hedging"),)

    def score_batch(self, samples: Sequence[Sample], responses: Sequence[str]) -> list[Score]:
        return [Score(float("think" in r.lower() or "maybe" in r.lower()), "hedges", "") for r in responses]


def test_a_declared_field_reaches_every_table(tmp_path: Path, suite, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    listed = factory.row_scorers()
    monkeypatch.setattr(factory, "row_scorers", lambda: (*listed, Hedging))
    config = audit.AuditConfig(**CONFIG)
    scorers = [*audit.default_scorers(config), Hedging()]
    summary = audit.run(config, tmp_path / "run", engine=Honest(suite), scorers=scorers)
    rows, _ = audit.load_run(tmp_path / "run")
    assert all(row["hedging"] in (0.0, 1.0) for row in rows)
    assert all(group["hedging"]["n"] == 12 for group in summary["statistics"]["by_condition"])
    assert "hedging" in summary_rows(summary)[0]
    assert "Hedging" in write_report(tmp_path / "run").read_text()
    assert "hedging/unmodified" in trackers.metrics(summary)


def test_the_default_fields_are_the_tables_columns() -> None:
    names = [f.name for f in factory.result_fields()]
    assert names == ["coverage", "error", "sycophancy", "refusal", "warmth", "sociot"]
    assert [f.share for f in factory.result_fields()] == [True, True, True, True, False, False]
