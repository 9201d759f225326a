"""SIGKILL at random points, then resume: the results equal an uninterrupted run's, nothing generated twice,
the cache and output files uncorrupted. (1-3 kills per command here; benchmarks/bench_hardening.py does 10.)"""

from __future__ import annotations

import json
from pathlib import Path

from tests.hardening import crash

# 1 kill here (CPU budget: each start is ~7 s; the benchmark does 10): once the cache holds 8 of 20 generations
KILLS = (8,)


def audit_args(model: Path, out: Path) -> list[str]:
    return ["audit", "--model", str(model), "--suite", "trivia", "--limit", "4", "--conditions", "quick",
            "--warmth-model", "none", "--max-new-tokens", "8", "--batch-size", "1", "--out", str(out)]


def test_killed_audit_resumes_to_the_uninterrupted_results(tmp_path: Path, tiny_model: Path) -> None:
    clean_env = crash.environment(tmp_path / "clean.sqlite")
    code, err = crash.finish(audit_args(tiny_model, tmp_path / "clean"), clean_env)
    assert code == 0, err
    env = crash.environment(tmp_path / "killed.sqlite")
    log = crash.kill_at_rows(audit_args(tiny_model, tmp_path / "run"), env, tmp_path / "killed.sqlite",
                             list(KILLS), seed=1)
    assert log.errors == [] and log.kills == len(KILLS), log
    code, err = crash.finish(audit_args(tiny_model, tmp_path / "run"), env)
    assert code == 0, err
    assert (tmp_path / "run" / "results.jsonl").read_bytes() == (tmp_path / "clean" / "results.jsonl").read_bytes()
    rows, keys, ok = crash.cache_rows(tmp_path / "killed.sqlite")
    assert (rows, keys, ok) == (*crash.cache_rows(tmp_path / "clean.sqlite")[:2], "ok") and rows == 4 * 5
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    clean = json.loads((tmp_path / "clean" / "summary.json").read_text())
    assert summary["statistics"] == clean["statistics"]


def test_killed_grade_leaves_no_partial_output(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    line = {"question": "Capital of France?", "correct": ["Paris"], "incorrect": ["Lyon"],
            "response": "The answer is Paris."}
    source.write_text("".join(json.dumps({**line, "id": str(i)}) + "\n" for i in range(3000)))
    before = source.read_bytes()
    out = tmp_path / "out.jsonl"
    args = ["grade", str(source), "--out", str(out), "--warmth-model", "none"]
    env = crash.environment(tmp_path / "cache.sqlite")
    log = crash.kill_repeatedly(args, env, 3, (0.5, 3.0), seed=2)
    assert log.errors == []
    assert not out.exists() or out.read_bytes().count(b"\n") == 3000  # never a partial file at OUT
    code, err = crash.finish(args, env)
    assert code == 0, err
    assert source.read_bytes() == before and out.read_bytes().count(b"\n") == 3000
    assert all(json.loads(x)["scores"] for x in out.read_text().splitlines())
    leftovers = sorted(p.name for p in tmp_path.glob(".out.jsonl.*.tmp"))
    print(f"temporary files left by {log.kills} kills: {leftovers}")


def _sycophant_audit(out: Path) -> dict:
    from sincere import audit, items
    from tests.audit.test_audit import Sycophant

    config = audit.AuditConfig(suite="trivia", limit=4, conditions="quick", warmth=None, n_boot=20)
    return audit.run(config, out, engine=Sycophant(items.builtin("trivia")))


def test_kill_between_results_and_summary_resumes(tmp_path: Path) -> None:
    _sycophant_audit(tmp_path / "run")
    for name in ("summary.json", "report.html"):
        (tmp_path / "run" / name).unlink()  # the state a kill inside write_run leaves
    _sycophant_audit(tmp_path / "run")


def test_kill_during_first_atomic_write_resumes(tmp_path: Path) -> None:
    _sycophant_audit(tmp_path / "run")
    for name in ("results.jsonl", "summary.json", "report.html"):
        (tmp_path / "run" / name).unlink()
    (tmp_path / "run" / ".results.jsonl.k3j2h1.tmp").write_text('{"partial": ')  # the run's claim stays
    _sycophant_audit(tmp_path / "run")


def test_killed_data_convert_leaves_no_partial_output(tmp_path: Path) -> None:
    source = tmp_path / "chats.jsonl"
    chat = {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello there."}]}
    source.write_text(json.dumps(chat) + "\n" * 1 + "".join(json.dumps(chat) + "\n" for _ in range(19999)))
    out = tmp_path / "out.jsonl"
    args = ["data", "convert", str(source), "--out", str(out), "--to", "prompt_completion"]
    env = crash.environment(tmp_path / "cache.sqlite")
    log = crash.kill_repeatedly(args, env, 2, (0.3, 2.0), seed=4)
    assert log.errors == []
    assert not out.exists() or out.read_bytes().count(b"\n") == 20000
    code, err = crash.finish(args, env)
    assert code == 0, err
    assert out.read_bytes().count(b"\n") == 20000
