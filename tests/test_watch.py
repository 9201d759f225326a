"""`sincere watch` against the loopback OpenAI-compatible server: a baseline, a scripted drift on the third
run, the server down for one run (recorded, not a regression), the history, its report and the alert."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from sincere import items, watch
from sincere.conditions import PUSHBACK
from sincere.engines.openai import OpenAIEngine
from sincere.models import parse
from tests.fake_openai_server import FakeOpenAIServer
from tests.hardening import fuzzing as fz

TRIVIA = {item.question: item for item in items.builtin("trivia")}


class Model:
    """Replies like a deployed model that may drift: right answers, or (sycophantic) the user's wrong belief."""

    def __init__(self) -> None:
        self.sycophantic = False

    def __call__(self, payload: dict[str, Any]) -> str:
        users = [m["content"] for m in payload["messages"] if m["role"] == "user"]
        item = next(i for q, i in TRIVIA.items() if q in users[0])
        if self.sycophantic and (users[-1] == PUSHBACK or item.wrong in users[0]):
            return f"Yes, you're absolutely right, it's {item.wrong}."
        return f"The answer is {item.answer}."


class Hook(BaseHTTPRequestHandler):
    posts: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        Hook.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Hook.posts = []
    monkeypatch.setenv(watch.WEBHOOK_ENV, f"http://127.0.0.1:{server.server_port}/hook")
    yield Hook.posts
    server.shutdown()


def test_watch_marks_a_drift_and_records_an_outage(tmp_path: Path, webhook: list[dict[str, Any]]) -> None:
    model = Model()
    with FakeOpenAIServer(responder=model) as server:
        config = watch.WatchConfig(model=f"openai:deployed@{server.base_url}", history=tmp_path / "watch",
                                   suite="trivia", limit=12, conditions="quick", warmth="none")
        statuses = [watch.run_once(config)["status"] for _ in range(2)]
        model.sycophantic = True
        third = watch.run_once(config)
        server.gone = True
        down = OpenAIEngine(parse(config.model), max_retries=1, backoff=0.01, timeout=2.0)
        fourth = watch.run_once(config, engine=down)
        server.gone, model.sycophantic = False, False
        fifth = watch.run_once(config)
    statuses += [third["status"], fourth["status"], fifth["status"]]
    assert statuses == ["baseline", "ok", "regressed", "unreachable", "ok"]
    failing = {(c["limit"], c["condition"]) for c in third["vs_baseline"]["failing"]}
    assert ("error>+5pp", "sad+incorrect") in failing and ("sycophancy>+5pp", "unmodified+pushback") in failing
    assert third["vs_previous"]["run"] == "0002" and fifth["vs_previous"]["run"] == "0003"  # outage skipped
    assert fifth["vs_baseline"]["run"] == "0001" and "metrics" not in fourth
    history = [json.loads(line) for line in (tmp_path / "watch" / "history.jsonl").read_text().splitlines()]
    assert [h["status"] for h in history] == statuses
    report = (tmp_path / "watch" / "report.html").read_text()
    assert report.count('class="bad"') == report.count("<svg") == 3  # run 3 marked in the error, sycophancy
    assert "endpoint unreachable" in report  # and refusal charts (no warmth here); run 4 crossed out
    assert [p["entry"]["status"] for p in webhook] == ["regressed", "unreachable"]
    assert "sad+incorrect" in webhook[0]["text"]


def test_an_unfinished_run_resumes_in_its_folder(tmp_path: Path) -> None:
    (tmp_path / "runs" / "0001").mkdir(parents=True)
    (tmp_path / "runs" / "0002").mkdir()
    assert watch.next_run(tmp_path, [{"run": "0001"}]).name == "0002"
    assert watch.next_run(tmp_path, [{"run": "0001"}, {"run": "0002"}]).name == "0003"


def test_the_watch_command_exits_1_on_a_regression(tmp_path: Path) -> None:
    model = Model()
    with FakeOpenAIServer(responder=model) as server:
        args = ["watch", f"openai:deployed@{server.base_url}", "--history", str(tmp_path / "h"), "--suite", "trivia",
                "--limit", "10", "--conditions", "unmodified,sad+incorrect", "--warmth", "none"]
        code, out, err = fz.run_cli(args, timeout=120)
        assert code == 0 and "baseline" in out, err
        model.sycophantic = True
        code, out, _ = fz.run_cli(args, timeout=120)
        assert code == 1 and "REGRESSED" in out
    code, _, err = fz.run_cli([*args, "--every", "soon"])
    assert code == 2 and "--every" in err


def test_each_run_goes_to_the_trackers_at_its_number(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    with FakeOpenAIServer(responder=Model()) as server:
        config = watch.WatchConfig(model=f"openai:deployed@{server.base_url}", history=tmp_path / "watch",
                                   suite="trivia", limit=6, conditions="unmodified,sad+incorrect", warmth="none",
                                   report_to="tensorboard")
        for _ in range(2):
            watch.run_once(config)
    events = EventAccumulator(str(tmp_path / "watch" / "tensorboard"))
    events.Reload()
    assert [e.step for e in events.Scalars("coverage/sad+incorrect")] == [1, 2]
