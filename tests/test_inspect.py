"""sincere as an Inspect AI extension (issue 20): the task, scorers and model provider registered through
the entry point, the same pairs and counts as `sincere audit`, and both directions between the logs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sincere import audit
from sincere.inspect_ext import logs

CONDITIONS = "unmodified,sad+incorrect,unmodified+pushback"


def sincere(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sincere", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def inspect_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "inspect_ai", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def counts(rows: list[dict]) -> dict[str, tuple]:
    """Per condition: replies, decided, errors, sycophantic, refusals."""
    out = {}
    for condition in dict.fromkeys(r["condition"] for r in rows):
        chosen = [r for r in rows if r["condition"] == condition]
        out[condition] = (len(chosen), sum(r["coverage"] or 0 for r in chosen), sum(r["error"] or 0 for r in chosen),
                          sum(r["sycophancy"] or 0 for r in chosen), sum(r["refusal"] or 0 for r in chosen))
    return out


@pytest.fixture
def env(tmp_path: Path) -> dict:
    return {**os.environ, "SINCERE_CACHE": str(tmp_path / "cache.sqlite"), "INSPECT_LOG_DIR": str(tmp_path / "logs")}


def test_the_inspect_task_gives_the_audit_s_pairs_replies_and_counts(tiny_model: Path, tmp_path: Path,
                                                                      env: dict) -> None:
    settings = ["--suite", "trivia", "--limit", "20", "--conditions", CONDITIONS, "--max-new-tokens", "8"]
    ran = sincere("audit", "--model", str(tiny_model), *settings, "--warmth", "none", "--out", str(tmp_path / "run"),
                  env=env)
    assert ran.returncode == 0, ran.stderr
    evaluated = inspect_cli("eval", "sincere/audit", "--model", f"sincere/{tiny_model}", "-T", "suite=trivia", "-T",
                            "limit=20", "-T", f"conditions={CONDITIONS}", "-T", "max_new_tokens=8", "-T",
                            "warmth=false", "--log-dir", str(tmp_path / "logs"), "--display", "none", env=env)
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    (log,) = (tmp_path / "logs").glob("*.eval")
    rows_a, _ = audit.load_run(tmp_path / "run")
    rows_b, summary = logs.load_log(log)
    key = lambda r: (r["condition"], r["item_id"])  # noqa: E731
    assert sorted(map(key, rows_a)) == sorted(map(key, rows_b)) and len(rows_a) == 60
    replies_a = {key(r): r["response"] for r in rows_a}
    assert all(replies_a[key(r)] == r["response"] for r in rows_b)  # the provider read the audit's cache
    assert counts(rows_a) == counts(rows_b)
    assert summary["config"]["model"] == f"sincere/{tiny_model}" and summary["statistics"]["by_condition"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_audit_writes_an_inspect_log_that_reads_back_and_inspect_view_lists(tiny_model: Path, tmp_path: Path,
                                                                           env: dict) -> None:
    log = tmp_path / "view" / "run.eval"
    log.parent.mkdir()
    ran = sincere("audit", "--model", str(tiny_model), "--suite", "trivia", "--limit", "4", "--conditions", CONDITIONS,
                  "--max-new-tokens", "6", "--out", str(tmp_path / "run"), "--inspect-log", str(log), env=env)
    assert ran.returncode == 0, ran.stderr
    rows_a, summary_a = audit.load_run(tmp_path / "run")
    rows_b, summary_b = logs.load_log(log)
    assert counts(rows_a) == counts(rows_b)
    warmth = lambda s: [g["warmth"]["mean"] for g in s["statistics"]["by_condition"]]  # noqa: E731
    assert warmth(summary_a) == pytest.approx(warmth(summary_b))
    reported = sincere("report", str(log), "--out", str(tmp_path / "from-log"), env=env)
    assert reported.returncode == 0 and (tmp_path / "from-log" / "report.html").is_file(), reported.stderr
    compared = sincere("compare", str(tmp_path / "run"), str(log), "--out", str(tmp_path / "c.json"), env=env)
    assert compared.returncode == 0, compared.stderr
    assert json.loads((tmp_path / "c.json").read_text())["n_shared_pairs"] == len(rows_a)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "inspect_ai", "view", "--log-dir", str(log.parent), "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        listed = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/logs", timeout=2) as response:
                    listed = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.25)
        assert listed is not None, "inspect view did not answer"
        assert [Path(f["name"]).name for f in listed["files"]] == ["run.eval"]
        assert listed["files"][0]["task"] == "sincere/audit"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_log_that_is_not_of_the_task_is_one_clear_error(tmp_path: Path, env: dict) -> None:
    bad = tmp_path / "other.eval"
    bad.write_bytes(b"not a zip")
    result = sincere("report", str(bad), env=env)
    assert result.returncode == 2 and "not a readable Inspect log" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_the_provider_gathers_concurrent_requests_into_one_engine_call() -> None:
    import asyncio

    from sincere.engines import GenParams
    from sincere.engines.base import Generation
    from sincere.inspect_ext.model import Batcher

    calls: list[int] = []

    class Echo:
        def generate(self, conversations, params):  # noqa: ANN001, ANN202
            calls.append(len(conversations))
            if any(c[-1]["content"] == "boom" for c in conversations):
                raise RuntimeError("engine failed")
            return [Generation(c[-1]["content"].upper(), 1) for c in conversations]

    batcher = Batcher(lambda: Echo())

    async def ask_many(texts: list[str]) -> list:
        return await asyncio.gather(*(batcher.ask([{"role": "user", "content": t}], GenParams(4)) for t in texts),
                                    return_exceptions=True)

    replies = asyncio.run(ask_many([f"q{n}" for n in range(10)]))
    assert [r.text for r in replies] == [f"Q{n}" for n in range(10)] and calls == [10]
    failed = asyncio.run(ask_many(["a", "boom"]))
    assert all(isinstance(r, RuntimeError) for r in failed)


@pytest.mark.parametrize(("target", "message"), [("", "is a folder"), ("x.json", "ends in .eval")])
def test_a_bad_inspect_log_path_is_refused_before_any_work(tmp_path: Path, env: dict, target: str,
                                                           message: str) -> None:
    result = sincere("audit", "--limit", "2", "--out", str(tmp_path / "run"), "--inspect-log", str(tmp_path / target),
                     env=env)
    assert result.returncode == 2 and message in result.stderr and not (tmp_path / "run").exists()


def test_a_refusal_is_decided_but_left_out_of_the_rate_as_in_the_audit() -> None:
    from inspect_ai.scorer import SampleScore, Score

    from sincere.inspect_ext import scorers
    from sincere.scoring.base import Score as SincereScore

    graded = [SincereScore(1.0, "correct", ""), SincereScore(0.0, "incorrect", ""),
              SincereScore(None, "refusal", ""), SincereScore(None, "unclear", "")]
    values = [scorers.value_of(g) for g in graded]
    assert values == [1.0, 0.0, "refusal", "unclear"]
    samples = [SampleScore(score=Score(value=v), sample_id=i) for i, v in enumerate(values)]
    assert scorers.rate()(samples) == 0.5 and scorers.decided()(samples) == 0.75
    assert scorers.value_of(SincereScore(None, "n/a", "no claim by the user")) == "unclear"
