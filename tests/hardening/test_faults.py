"""Audits through the OpenAI engine against a faulty server equal a fault-free run; a server gone for
good stops the run with a clear error and keeps every generation made so far."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sincere import audit
from sincere.engines.cache import CachedEngine, GenerationCache
from sincere.engines.openai import OpenAIEngine
from sincere.errors import SincereError
from sincere.models import parse
from tests.fake_openai_server import FakeOpenAIServer
from tests.hardening.helpers import offline_scorers

CONFIG = dict(suite="trivia", limit=6, conditions="quick", warmth=None, n_boot=50, max_new_tokens=12)
FAULTS = dict(fail_rate=0.2, rate_limit_rate=0.1, stall_rate=0.05, drop_rate=0.1, retry_after=0.02,
              stall_seconds=3.0)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCERE_TEST_KEY", "k")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def engine_for(server: FakeOpenAIServer, cache: Path, retries: int = 14) -> CachedEngine:
    spec = parse(f"openai:fake@{server.base_url},key_env=SINCERE_TEST_KEY")
    inner = OpenAIEngine(spec, concurrency=4, timeout=0.5, max_retries=retries, backoff=0.01, max_delay=0.05)
    return CachedEngine(inner, GenerationCache(cache))


def run_audit(server: FakeOpenAIServer, out: Path, cache: Path, retries: int = 14) -> dict:
    config = audit.AuditConfig(model="openai:fake", **CONFIG)
    return audit.run(config, out, engine=engine_for(server, cache, retries), scorers=offline_scorers())


def comparable(run: Path) -> tuple[list[dict], dict]:
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    summary = json.loads((run / "summary.json").read_text())
    return rows, {k: v for k, v in summary.items() if k not in ("seconds", "model_fingerprint")}


def test_faulty_server_gives_the_fault_free_results(tmp_path: Path) -> None:
    with FakeOpenAIServer() as clean:
        run_audit(clean, tmp_path / "clean", tmp_path / "clean.sqlite")
    with FakeOpenAIServer(seed=7, **FAULTS) as faulty:
        run_audit(faulty, tmp_path / "faulty", tmp_path / "faulty.sqlite")
        counts = dict(faulty.fault_counts)
    assert {"429", "stall", "drop"} <= set(counts) and any(k.isdigit() and k.startswith("5") for k in counts), counts
    assert comparable(tmp_path / "faulty") == comparable(tmp_path / "clean")
    assert GenerationCache(tmp_path / "faulty.sqlite").count() == GenerationCache(tmp_path / "clean.sqlite").count()


def test_server_gone_for_good_stops_clearly_and_keeps_what_was_made(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    with FakeOpenAIServer(gone_after=20) as dying:
        with pytest.raises(SincereError) as caught:
            run_audit(dying, tmp_path / "run", cache, retries=2)
        served = dying.requests - dying.faults
        message = str(caught.value)
        assert "\n" not in message and ("503" in message or "gone" in message), message
        assert "Wrote the 20 finished replies of 30" in message and "run the same command again" in message
        partial = json.loads((tmp_path / "run" / "summary.json").read_text())  # partial results, marked as such
        assert partial["incomplete"]["replies"] == 20 and partial["incomplete"]["planned"] == 30
        assert len((tmp_path / "run" / "results.jsonl").read_text().splitlines()) == 20
        assert "Incomplete" in (tmp_path / "run" / "report.html").read_text()
        assert GenerationCache(cache).count() == served == 20
        dying.gone_after, before = None, dying.requests  # the server comes back on the same address
        run_audit(dying, tmp_path / "run", cache)
        assert dying.requests - before == 6 * 5 - 20  # nothing generated twice
        assert "incomplete" not in json.loads((tmp_path / "run" / "summary.json").read_text())
    with FakeOpenAIServer() as clean:
        run_audit(clean, tmp_path / "clean", tmp_path / "clean.sqlite")
    assert comparable(tmp_path / "run") == comparable(tmp_path / "clean")
