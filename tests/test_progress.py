"""Progress: plain lines with counts and elapsed time when stderr is not a terminal."""

import io

import pytest
from rich.console import Console

from sincere import progress


@pytest.fixture
def log(monkeypatch) -> io.StringIO:
    buffer = io.StringIO()
    monkeypatch.setattr(progress, "console", Console(file=buffer, force_terminal=False, width=60))
    return buffer


def test_a_log_gets_a_line_at_the_start_every_interval_and_at_the_end(log) -> None:
    ticks = iter([0.0, 10.0, 31.0, 45.0, 62.0, 70.0])  # start, then one reading per advance, then the end
    with progress.lines("scoring", 400, interval=30, clock=lambda: next(ticks)) as advance:
        for _ in range(4):
            advance(100)
    assert log.getvalue().splitlines() == [
        "scoring: started, 400 to do",
        "scoring: 200/400 (50%) after 31 s",
        "scoring: 400/400 (100%) after 62 s",
        "scoring: done, 400/400 (100%) in 70 s",
    ]


def test_an_unknown_total_counts_and_a_failure_says_where_it_stopped(log) -> None:
    with pytest.raises(KeyboardInterrupt), progress.lines("grading", None, clock=lambda: 5.0) as advance:
        advance(3)
        raise KeyboardInterrupt
    assert log.getvalue().splitlines() == ["grading: started", "grading: stopped at 3 after 0 s"]


def test_task_prints_plain_lines_when_not_a_terminal(log) -> None:
    with progress.task("generating", 2) as advance:
        advance(2)
    text = log.getvalue()
    assert text.startswith("generating: started, 2 to do") and "generating: done, 2/2 (100%) in" in text


def test_the_scoring_bar_moves_within_each_scorer(monkeypatch) -> None:
    from contextlib import contextmanager

    from sincere import audit, items
    from sincere.conditions import Sample
    from sincere.engines.base import Generation
    from sincere.scoring.refusal import RefusalScorer

    item = items.builtin("trivia")[0]
    pairs = [(Sample(item, [{"role": "user", "content": item.question}]), Generation("No idea.", 2))] * 300
    steps: list[int] = []

    @contextmanager
    def counting(description, total):
        yield steps.append

    monkeypatch.setattr(audit.progress, "task", counting)
    audit.score_samples(pairs, [RefusalScorer(), RefusalScorer()])
    assert len(steps) == 2 * -(-300 // audit.SCORING_BATCH) and sum(steps) == 600  # 10 moves, not 2
