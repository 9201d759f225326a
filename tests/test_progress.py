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


def test_notes_show_beside_the_progress_and_end_with_their_phase(log) -> None:
    with progress.lines("generating", 4, clock=lambda: 5.0) as advance:
        advance(1)
        progress.note("retries", "2")
        progress.note("in flight", "at most 4")
        advance(3)
    lines = log.getvalue().splitlines()
    assert lines[1] == "generating: 1/4 (25%) after 0 s (retries 2)"
    assert lines[-1] == "generating: done, 4/4 (100%) in 0 s (retries 2, in flight at most 4)"
    assert progress.notes() == ""  # the next phase starts without them


def test_the_openai_engine_counts_its_retries_beside_the_progress(log) -> None:
    from sincere.engines import GenParams
    from sincere.engines.openai import OpenAIEngine
    from sincere.models import parse
    from tests.fake_openai_server import FakeOpenAIServer

    with FakeOpenAIServer(rate_limit_rate=0.5, seed=3) as fake:
        engine = OpenAIEngine(parse(f"openai:m@{fake.base_url}"), backoff=0.01)
        with progress.task("generating", 8) as advance:
            engine.generate([[{"role": "user", "content": f"q{n}"}] for n in range(8)], GenParams(8), advance)
        engine.close()
    assert engine.retries == fake.faults > 0
    assert f"(retries {engine.retries})" in log.getvalue().splitlines()[-1]
