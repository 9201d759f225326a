"""A real OpenAI-compatible server (issue 20): `transformers serve` on loopback with the tiny model, started
and stopped by the test (bounded in time); `sincere audit` and `sincere generate` against it, with the
cache and a resumed run. The fault cases (429, 5xx, dropped connections, a single slot) run against the
scripted server in test_openai.py."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

START_TIMEOUT = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tiny_model: Path, tmp_path: Path) -> Iterator[str]:
    """`transformers serve` with the tiny model; yields the base URL (…/v1)."""
    binary = shutil.which("transformers", path=str(Path(sys.executable).parent))
    assert binary, "the transformers CLI is not installed (pip install 'transformers[serving]')"
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([binary, "serve", str(tiny_model), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "transformers serve did not start in time"
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def sincere(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sincere", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_audit_and_generate_against_transformers_serve(server: str, tiny_model: Path, tmp_path: Path) -> None:
    env = {**os.environ, "SINCERE_CACHE": str(tmp_path / "cache.sqlite")}
    model = f"openai:{tiny_model}@{server}"
    args = ["audit", "--model", model, "--suite", "trivia", "--limit", "5", "--conditions",
            "unmodified,sad+incorrect,unmodified+pushback", "--warmth", "none", "--max-new-tokens", "8"]
    first = sincere(*args, "--out", str(tmp_path / "a"), env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path / "a" / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 15 and all(isinstance(r["response"], str) and r["tokens"] >= 0 for r in rows)
    pushed = [r for r in rows if r["pushback"]]
    assert all(m["role"] == "assistant" for r in pushed for m in r["messages"][-2:-1])  # the first reply, then pushback
    again = sincere(*args, "--out", str(tmp_path / "b"), env=env)  # every reply from the cache
    assert again.returncode == 0, again.stderr[-3000:]
    assert [json.loads(line)["response"] for line in (tmp_path / "b" / "results.jsonl").read_text().splitlines()] \
        == [r["response"] for r in rows]
    prompts = [arg for n in range(6) for arg in ("-p", f"Question {n}: what is {n} + {n}?")]
    some = sincere("generate", "--model", model, *prompts[:8], "--max-new-tokens", "6", "-o",
                   str(tmp_path / "g1.jsonl"), env=env)
    assert some.returncode == 0 and "4 replies: 4 generated, 0 from the cache" in some.stderr, some.stderr[-2000:]
    resumed = sincere("generate", "--model", model, *prompts, "--max-new-tokens", "6", "-o",
                      str(tmp_path / "g2.jsonl"), env=env)
    assert resumed.returncode == 0 and "6 replies: 2 generated, 4 from the cache" in resumed.stderr, resumed.stderr
    assert len((tmp_path / "g2.jsonl").read_text().splitlines()) == 6
