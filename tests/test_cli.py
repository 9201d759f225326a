import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import typer.main

from sincere.cli.main import app


def run(*args, env=None, **kw):
    return subprocess.run(
        [sys.executable, "-m", "sincere", *args], capture_output=True, text=True, env=env, **kw
    )


def all_commands():
    root = typer.main.get_command(app)

    def walk(command, path):
        yield path
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])

    return list(walk(root, []))


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "root")
def test_every_command_has_help(path) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_bad_input_is_one_line_and_exit_2(tmp_path, tiny_model) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "ok"}\n{"prompt": \n')
    result = run("generate", str(bad), "--model", str(tiny_model), "--max-new-tokens", "2")
    assert result.returncode == 2  # the good line is answered, the bad one named, and the exit code says so
    assert [json.loads(line)["messages"][0]["content"] for line in result.stdout.splitlines()] == ["ok"]
    assert "bad.jsonl:2: invalid JSON" in result.stderr and "Traceback" not in result.stderr
    assert "INCOMPLETE: 1 input(s) were skipped" in result.stderr.splitlines()[-1]
    assert run("generate", "--model", "openai:x@ftp://nowhere", "-p", "hi").returncode == 2
    assert run("generate").returncode == 2


def test_error_text_is_printed_verbatim(tmp_path) -> None:
    """Text such as ':top:' in a file name is not turned into an emoji (nor markup)."""
    missing = tmp_path / "a:top:b[bold].jsonl"
    result = run("generate", str(missing))
    assert result.returncode == 2
    assert "a:top:b[bold].jsonl" in result.stderr


def test_generate_writes_jsonl_and_never_overwrites_input(tiny_model, tmp_path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"prompt": "Hi"}) + "\n")
    result = run("generate", str(source), "--model", str(tiny_model), "-o", str(source))
    assert result.returncode == 2 and "refusing to overwrite" in result.stderr
    assert source.read_text() == json.dumps({"prompt": "Hi"}) + "\n"
    target = tmp_path / "out.jsonl"
    args = ["generate", str(source), "--model", str(tiny_model), "-o", str(target)]
    assert run(*args, "--max-new-tokens", "4").returncode == 0
    line = json.loads(target.read_text())
    assert line["messages"][0]["content"] == "Hi" and line["tokens"] <= 4


def count_rows(path) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM generations").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_sigkilled_run_regenerates_nothing_it_had(tiny_model, tmp_path) -> None:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"Question {i}?"}) + "\n" for i in range(40)))
    cache = tmp_path / "generations.sqlite"
    env = {**os.environ, "SINCERE_CACHE": str(cache)}
    args = ["generate", str(prompts), "--model", str(tiny_model), "--batch-size", "1",
            "--max-new-tokens", "48", "-o", str(tmp_path / "out.jsonl")]
    proc = subprocess.Popen([sys.executable, "-m", "sincere", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while count_rows(cache) < 5 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = count_rows(cache)
    assert 0 < done_before < 40, "the kill should land mid-run"
    result = run(*args, env=env)
    assert result.returncode == 0, result.stderr
    assert f"{40 - done_before} generated, {done_before} from the cache" in result.stderr
    assert count_rows(cache) == 40
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 40


def test_audit_dtype_is_part_of_the_run(tiny_model, tmp_path) -> None:
    args = ["audit", "--model", str(tiny_model), "--suite", "trivia", "--limit", "2", "--conditions", "unmodified",
            "--warmth-model", "none", "--max-new-tokens", "4"]
    env = {**os.environ, "SINCERE_CACHE": str(tmp_path / "cache.sqlite")}
    assert run(*args, "--dtype", "fp32", "--out", str(tmp_path / "a"), env=env).returncode == 0
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["config"]["dtype"] == "fp32" and summary["model_fingerprint"].endswith("@float32")
    other = run(*args, "--dtype", "bf16", "--out", str(tmp_path / "a"), env=env)  # same folder, other dtype
    assert other.returncode == 2 and "other settings" in other.stderr
