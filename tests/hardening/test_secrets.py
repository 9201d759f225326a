"""An API key from the environment never reaches stdout, stderr, logs, the cache, results or reports."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from sincere import audit
from sincere.engines import load_engine
from sincere.errors import SincereError
from tests.fake_openai_server import FakeOpenAIServer
from tests.hardening import fuzzing as fz
from tests.hardening.helpers import files_under, leaks, offline_scorers, without_progress

KEY_ENV = "SINCERE_TEST_KEY"
SENTINEL = "sk-SENTINEL-hardening-7b1e3d9f"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SENTINEL)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def spec(server: FakeOpenAIServer) -> str:
    return f"openai:fake-model@{server.base_url},key_env={KEY_ENV}"


def artefacts(tmp_path: Path, **texts: str) -> dict[str, str | bytes]:
    found: dict[str, str | bytes] = {str(p): p.read_bytes() for p in files_under(tmp_path)}
    found.update(texts)
    return found


def test_generate_with_faults_and_verbose_logs_leaks_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOpenAIServer(api_key=SENTINEL, echo_auth=True, fail_rate=0.3, rate_limit_rate=0.1,
                          retry_after=0.01, seed=3) as server:
        out = tmp_path / "out.jsonl"
        args = ["--verbose", "generate", "-p", "one", "-p", "two", "-p", "three", "-m", spec(server),
                "--max-new-tokens", "8", "--out", str(out)]
        code, stdout, stderr = fz.run_cli(args, timeout=60)
        assert server.faults > 0 and server.authorizations[0] == f"Bearer {SENTINEL}"
    assert code == 0, stderr
    assert out.read_text().count("\n") == 3
    assert leaks(SENTINEL, artefacts(tmp_path, stdout=stdout, stderr=stderr, logs=caplog.text)) == []


def test_rejected_key_error_does_not_echo_it(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOpenAIServer(api_key="sk-other", echo_auth=True) as server:
        args = ["--verbose", "generate", "-p", "one", "-m", spec(server), "--out", str(tmp_path / "o.jsonl")]
        code, stdout, stderr = fz.run_cli(args, timeout=60)
    assert code == 2 and without_progress(stderr).startswith("error:"), stderr
    assert leaks(SENTINEL, artefacts(tmp_path, stdout=stdout, stderr=stderr, logs=caplog.text)) == []


def test_server_errors_echoing_the_key_are_not_relayed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOpenAIServer(api_key=SENTINEL, echo_auth=True, gone=True) as server:
        engine = load_engine(spec(server))
        engine.engine.backoff = engine.engine.max_delay = 0.01  # type: ignore[attr-defined]
        with pytest.raises(SincereError) as caught:
            engine.generate([[{"role": "user", "content": "hi"}]], audit.AuditConfig().params())
    assert leaks(SENTINEL, artefacts(tmp_path, error=str(caught.value), logs=caplog.text,
                                     cause=repr(caught.value.__cause__))) == []


def test_audit_run_folder_and_cache_leak_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOpenAIServer(api_key=SENTINEL, echo_auth=True, fail_rate=0.2, seed=1, retry_after=0.01) as server:
        config = audit.AuditConfig(model=spec(server), suite="trivia", limit=3, conditions="quick", warmth=None,
                                   n_boot=50, max_new_tokens=8)
        engine = load_engine(config.model)
        engine.engine.backoff = 0.01  # type: ignore[attr-defined]
        audit.run(config, tmp_path / "run", engine=engine, scorers=offline_scorers())
        assert server.faults > 0
    run = tmp_path / "run"
    assert {"results.jsonl", "summary.json", "report.html"} <= {p.name for p in run.iterdir()}
    assert (tmp_path / "generations.sqlite").is_file()  # the cache (SINCERE_CACHE from conftest)
    assert leaks(SENTINEL, artefacts(tmp_path, logs=caplog.text)) == []


def test_verbose_cli_process_stderr_and_outputs_leak_nothing(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, KEY_ENV: SENTINEL, "SINCERE_CACHE": str(tmp_path / "cache.sqlite"),
           "PYTHONPATH": str(root / "src")}
    with FakeOpenAIServer(api_key=SENTINEL, echo_auth=True, script=[500, 429, 503], seed=5,
                          retry_after=0.01) as server:
        done = subprocess.run([sys.executable, "-m", "sincere", "--verbose", "generate", "-p", "a", "-p", "b",
                               "-p", "c", "-m", spec(server), "--max-new-tokens", "4"],
                              cwd=root, env=env, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr[-800:]
        assert server.faults > 0, (server.requests, done.stderr[-800:])
    assert b"INFO" in done.stderr or b"WARNING" in done.stderr  # the logs are there, and checked
    assert leaks(SENTINEL, artefacts(tmp_path, stdout=done.stdout.decode(), stderr=done.stderr.decode())) == []


@pytest.mark.parametrize("where", ["user", "password", "query", "fragment", "option"])
def test_a_key_written_into_the_model_spec_reaches_no_file_or_screen(tmp_path: Path, where: str) -> None:
    with FakeOpenAIServer(seed=2) as server:
        scheme, rest = server.base_url.split("://")
        url = {"user": f"{scheme}://{SENTINEL}@{rest}", "password": f"{scheme}://u:{SENTINEL}@{rest}",
               "query": f"{server.base_url}?api_key={SENTINEL}", "fragment": f"{server.base_url}#{SENTINEL}",
               "option": server.base_url}[where]
        model = f"openai:fake-model@{url}" + (f",key_env={SENTINEL}x" if where == "option" else "")
        runs = []
        for name in ("a", "b"):
            code, out, err = fz.run_cli(["audit", "--model", model, "--judge", model, "--suite", "trivia", "--limit",
                                         "2", "--conditions", "unmodified", "--warmth", "none", "--max-new-tokens",
                                         "4", "--out", str(tmp_path / name)], timeout=120)
            assert code in (0, 2) and "Traceback" not in err, err
            runs.append((out, err))
        code, out, err = fz.run_cli(["compare", str(tmp_path / "a"), str(tmp_path / "b")])
        runs.append((out, err))
    texts = {f"screen {i}": o + e for i, (o, e) in enumerate(runs)}
    assert leaks(SENTINEL, artefacts(tmp_path, **texts)) == []
    if where in ("user", "password", "fragment"):  # the endpoint still works; the run was made
        assert (tmp_path / "a" / "summary.json").is_file() and code == 0
