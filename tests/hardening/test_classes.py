"""Property-based checks of issue 17's classes 4, 5 and 8, as case functions the benchmark also runs
(`benchmarks/bench_hardening.py`): over-long prompts, keys written into a model spec, odd paths."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fake_openai_server import FakeOpenAIServer
from tests.hardening import fuzzing as fz
from tests.hardening.helpers import files_under, leaks

FEW = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
GOOD = {"question": "What is the capital of France?", "correct": ["Paris"], "incorrect": ["Lyon"],
        "response": "Paris."}


def long_prompt_case(tmp: Path, model: Path, words: int) -> None:
    """`generate` with a prompt of `words` words beside a short one: the short one is always answered; the long
    one is answered when it fits the tiny model's context (512 tokens) and named and skipped (exit 2) when not."""
    code, out, err = fz.run_cli(["generate", "-p", "why " * words, "-p", "hi", "--model", str(model),
                                 "--max-new-tokens", "4", "-o", str(tmp / "out.jsonl")], timeout=120)
    assert code in (0, 2) and "Traceback" not in err, err
    answered = [json.loads(line)["messages"][0]["content"] for line in (tmp / "out.jsonl").read_text().splitlines()]
    assert "hi" in answered
    if code == 2:
        assert "INCOMPLETE: 1 input(s) were skipped" in err and len(answered) == 1  # named in a warning too
    else:
        assert len(answered) == 2


@st.composite
def sentinel_spec(draw: st.DrawFn) -> tuple[str, str]:
    """(where the key goes, the key): user, password, query value or fragment of the endpoint URL."""
    key = "sk-" + draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=12, max_size=24))
    return draw(st.sampled_from(["user", "password", "query", "fragment"])), key


def key_in_spec_case(tmp: Path, case: tuple[str, str]) -> None:
    """An audit (model and judge) and a compare with the key in the endpoint URL: it reaches no file or screen."""
    where, key = case
    with FakeOpenAIServer(seed=3) as server:
        scheme, rest = server.base_url.split("://")
        url = {"user": f"{scheme}://{key}@{rest}", "password": f"{scheme}://u:{key}@{rest}",
               "query": f"{server.base_url}?api_key={key}", "fragment": f"{server.base_url}#{key}"}[where]
        model = f"openai:fake-model@{url}"
        shown = ""
        for name in ("a", "b"):
            code, out, err = fz.run_cli(["audit", "--model", model, "--judge", model, "--suite", "trivia", "--limit",
                                         "2", "--conditions", "unmodified", "--warmth", "none", "--max-new-tokens",
                                         "4", "--out", str(tmp / name)], timeout=120)
            assert code in (0, 2) and "Traceback" not in err, err
            shown += out + err
        code, out, err = fz.run_cli(["compare", str(tmp / "a"), str(tmp / "b")])
        shown += out + err
    texts: dict[str, str | bytes] = {str(p): p.read_bytes() for p in files_under(tmp)}
    assert leaks(key, {**texts, "screens": shown}) == []


ODD = ["folder", "fifo", "missing", "comma", "devnull"]  # stdin: test_paths.py, in a subprocess


def odd_path_case(tmp: Path, kind: str) -> None:
    """`grade` of an odd input path: it is read as a stream or refused in one line saying what it is."""
    lines = json.dumps(GOOD) + "\n"
    source = {"folder": tmp, "fifo": tmp / "in.fifo", "missing": tmp / "nope.jsonl", "comma": tmp / "a,b.jsonl",
              "devnull": Path("/dev/null")}[kind]
    if kind == "fifo":
        os.mkfifo(source)
        threading.Thread(target=lambda: source.write_text(lines), daemon=True).start()
    if kind == "comma":
        source.write_text(lines)
    code, out, err = fz.run_cli(["grade", str(source), "-o", str(tmp / "out.jsonl"), "--warmth", "none"], timeout=60)
    assert code in (0, 2) and "Traceback" not in err, err
    expected = {"folder": "is a folder", "missing": "no such file"}.get(kind)
    if expected:
        assert code == 2 and expected in err and err.strip().splitlines()[-1].startswith("error:")
    if kind in ("fifo", "comma"):
        assert code == 0 and len((tmp / "out.jsonl").read_text().splitlines()) == 1
    if kind == "devnull":
        assert code == 0 and (tmp / "out.jsonl").read_text() == ""


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(words=st.integers(min_value=1, max_value=2000))
def test_any_prompt_length_is_answered_or_skipped_by_name(tmp_path_factory: pytest.TempPathFactory,
                                                          tiny_model: Path, words: int) -> None:
    long_prompt_case(tmp_path_factory.mktemp("long"), tiny_model, words)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(sentinel_spec())
def test_a_key_anywhere_in_the_endpoint_reaches_no_file_or_screen(tmp_path_factory: pytest.TempPathFactory,
                                                                  case: tuple[str, str]) -> None:
    key_in_spec_case(tmp_path_factory.mktemp("key"), case)


@FEW
@given(st.sampled_from(ODD))
def test_odd_input_paths_are_streams_or_clear_errors(tmp_path_factory: pytest.TempPathFactory, kind: str) -> None:
    odd_path_case(tmp_path_factory.mktemp("odd"), kind)
