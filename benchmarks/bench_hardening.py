"""Hardening figures: fuzz cases and failures, kills survived, faults injected, rows lost, peak RSS.

    .venv/bin/python benchmarks/bench_hardening.py [--examples 300] [--kills 10] [--lines 100000]
        [--only fuzz,kills,faults,concurrency,memory] [--paths recipe,grade]

- fuzz: every input path (JSONL records, items from JSONL/CSV with column maps, TruthfulQA CSV,
  statements YAML, training recipe YAML, `grade` files, `data convert` and `grade` through the CLI,
  CLI argument junk), with
  `--examples` hypothesis examples each (no shrinking: every case counts); a case fails on a traceback,
  a hang, a modified input, an exit code other than 0/2 or an error that is not one line naming the file.
  "truthfulqa (raw rows)" includes short rows, which hit a known bug (see tests/hardening).
  Issue 17's classes: "bad values" (a line with a lone surrogate escape, an integer of more than 4,300
  digits, NaN, 1e999 or non-UTF-8 bytes: the good lines' output must equal a run without the bad
  line), "names" (markup and control characters in paths and model names: printed verbatim, never
  markup, no raw control character), "arguments" (out-of-range values refused before work), "keys written
  into the model spec" (a key in the endpoint's user, password, query or fragment reaches no file or
  screen), "odd input paths" (folder, FIFO, missing, comma, /dev/null) and, when named in `--paths`,
  "long prompts" (prompts around the tiny model's context: answered, or skipped by name).
- kills: `sincere audit` (tiny random model, 4 items x 5 conditions, batch size 1) SIGKILLed `--kills`
  times once the cache holds a random number of rows, then resumed; and `sincere grade` killed at random
  times. Survived = cache intact, final results byte-identical to an uninterrupted run, no partial output.
  Also kills in the audit's write phase (after the last generation), and `sincere data audit` of 20,000
  chats killed at random moments and rerun into the same folder (consistent after each kill, identical
  in the end, no work files left, input untouched).
- faults: an audit through OpenAIEngine against the fake server (20% 5xx, 10% 429 + Retry-After, 5%
  stalls past the timeout, 10% dropped connections) vs a fault-free run.
- concurrency: two processes writing one cache (overlapping keys) and a reader: rows lost, integrity.
- memory: peak RSS of `sincere grade` on 1,000 and `--lines` lines (child process, os.wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def held(body: Callable[[], None]) -> str | None:
    """None when the case's assertions hold, else what failed (shortened)."""
    try:
        body()
    except AssertionError as exc:
        return f"assertion: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"[:200]
    return None

def in_folder(case: Callable[[Path, Any], None]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        with tempfile.TemporaryDirectory() as folder:
            return held(lambda: case(Path(folder), value))
    return check


def long_prompt_targets(paths: str) -> list[tuple[str, Any, Callable[[Any], str | None]]]:
    """The long-prompt class, only when `--paths` names it (it builds a tiny model first)."""
    if not any("long prompts" in w for w in paths.split(",")):
        return []
    from hypothesis import strategies as st
    from tests.conftest import build_tiny_model
    from tests.hardening import test_classes as classes

    tiny = build_tiny_model(Path(tempfile.mkdtemp()) / "tiny")
    return [("long prompts", st.integers(1, 2000),
             in_folder(lambda tmp, words: classes.long_prompt_case(tmp, tiny, words)))]


def fuzz(examples: int, paths: str = "") -> dict[str, Any]:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from tests.hardening import fuzzing as fz
    from tests.hardening import test_arguments as arguments
    from tests.hardening import test_bad_values as bad
    from tests.hardening import test_classes as classes
    from tests.hardening import test_hostile_text as hostile
    from tests.hardening import test_names as names
    from tests.hardening import test_types as types
    from tests.hardening.test_fuzz_inputs import COMMANDS, JUNK

    from sincere import items, jsonl
    from sincere.conditions import Statements
    from sincere.grade import grade_file
    from sincere.scoring.refusal import RefusalScorer
    from sincere.train.recipe_io import load as load_recipe

    def on_file(name: str, call: Callable[[Path], str | None]) -> Callable[[bytes], str | None]:
        def check(data: bytes) -> str | None:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / name
                path.write_bytes(data)
                return call(path)
        return check

    def records_ok(path: Path) -> str | None:
        for number, value in jsonl.records(path):
            if isinstance(value, jsonl.BadLine) and not str(value).startswith(f"{path}:{number}: "):
                return f"bad line not named: {value}"
        return None

    def grade_ok(path: Path) -> str | None:
        try:
            with fz.time_limit(30):
                result = grade_file(path, path.with_name("o.jsonl"), {"refusal": RefusalScorer()})
        except Exception as exc:  # noqa: BLE001
            return f"{type(exc).__name__}: {exc}"[:200]
        bad = [b for b in result.bad_lines if not b.startswith(f"{path}:")]
        return f"unnamed bad lines {bad[:2]}" if bad else None

    mapped = {"q": "Why?", "a": "Because;Since", "b": "No"}
    tqa = ["Question", "Best Answer", "Correct Answers", "Incorrect Answers", "Category"]
    targets: list[tuple[str, Any, Callable[[Any], str | None]]] = [
        ("jsonl records", fz.jsonl_bytes(fz.GOOD_ITEM), on_file("a.jsonl", records_ok)),
        ("items jsonl", fz.jsonl_bytes(fz.GOOD_ITEM),
         on_file("i.jsonl", lambda p: fz.check_library(lambda: items.load(f"jsonl:{p}"), p))),
        ("items jsonl + column map", fz.jsonl_bytes(mapped), on_file("m.jsonl", lambda p: fz.check_library(
            lambda: items.load(f"jsonl:{p}", "question=q,correct=a,incorrect=b"), p))),
        ("items csv + column map", fz.csv_bytes(["q", "a", "b"]), on_file("m.csv", lambda p: fz.check_library(
            lambda: items.load(f"csv:{p}", "question=q,correct=a,incorrect=b"), p))),
        ("truthfulqa (full rows)", fz.csv_bytes(tqa, full_rows=True),
         on_file("t.csv", lambda p: fz.check_library(lambda: items.load(f"truthfulqa:{p}"), p))),
        ("truthfulqa (raw rows)", fz.csv_bytes(tqa),
         on_file("t.csv", lambda p: fz.check_library(lambda: items.load(f"truthfulqa:{p}"), p))),
        ("statements yaml", fz.yaml_bytes(),
         on_file("s.yaml", lambda p: fz.check_library(lambda: Statements.load(p), p))),
        ("training recipe yaml", fz.recipe_bytes(),
         on_file("r.yaml", lambda p: fz.check_library(lambda: load_recipe("sft", str(p)), p))),
        ("grade file", fz.jsonl_bytes(fz.GOOD_GRADE), on_file("g.jsonl", grade_ok)),
        ("cli data convert", fz.jsonl_bytes(fz.GOOD_CHAT), on_file("c.jsonl", lambda p: fz.check_cli(
            ["data", "convert", str(p), "--out", str(p.with_name("o.jsonl")), "--to", "messages"], [p], str(p)))),
        ("cli grade (unusable lines)", fz.jsonl_bytes({"response": 3}), on_file("u.jsonl", lambda p: fz.check_cli(
            ["grade", str(p), "--out", str(p.with_name("o.jsonl")), "--warmth-model", "none"], [p]))),
        ("cli argument junk", st.tuples(COMMANDS, st.lists(JUNK, max_size=6)),
         lambda cj: fz.check_cli([*cj[0], *cj[1]], [])),
        ("bad values: cli grade", bad.with_bad_line("grade", "response"), in_folder(bad.grade_case)),
        ("bad values: cli data convert", bad.with_bad_line("chat", "completion"), in_folder(bad.convert_case)),
        ("names: cli grade paths", st.tuples(names.name, names.name),
         in_folder(lambda tmp, pair: names.grade_path_case(tmp, *pair))),
        ("names: model names", names.name, lambda model: held(lambda: names.model_name_case(model))),
        ("arguments: out of range", arguments.bad_argument(), in_folder(arguments.any_argument_case)),
        ("keys written into the model spec", classes.sentinel_spec(), in_folder(classes.key_in_spec_case)),
        ("odd input paths", st.sampled_from(classes.ODD), in_folder(classes.odd_path_case)),
        ("wrong types", st.tuples(st.sampled_from(types.FIELDS), types.WRONG), in_folder(types.wrong_type_case)),
        ("forged chat turns", hostile.FORGED, lambda text: held(lambda: hostile.forged_turn_case(text))),
        ("lookalike brackets", hostile.BRACKETS, lambda text: held(lambda: hostile.closing_tag_case(text))),
        *long_prompt_targets(paths),
    ]
    figures: dict[str, Any] = {}
    def runner(strategy: Any, check: Callable[[Any], str | None], tally: fz.Tally) -> Callable[[], None]:
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                  phases=["generate"])
        @given(strategy)
        def run(value: Any) -> None:
            tally.cases += 1
            problem = check(value)
            if problem:
                tally.failures.append(problem)
        return run

    wanted = [p.strip() for p in paths.split(",") if p.strip()]
    for name, strategy, check in (t for t in targets if not wanted or any(w in t[0] for w in wanted)):
        tally = fz.Tally()
        start = time.perf_counter()
        runner(strategy, check, tally)()
        figures[name] = {"cases": tally.cases, "failures": len(tally.failures),
                         "first_failures": sorted(set(tally.failures))[:3],
                         "seconds": round(time.perf_counter() - start, 1)}
        print(f"  fuzz {name:30s} cases {tally.cases:5d}  failures {len(tally.failures):4d}", flush=True)
    total = {"cases": sum(f["cases"] for f in figures.values()),
             "failures": sum(f["failures"] for f in figures.values())}
    return {"total": total, "by_path": figures}


def kills(n: int) -> dict[str, Any]:
    from tests.conftest import build_tiny_model
    from tests.hardening import crash

    rng = random.Random(8)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        model = build_tiny_model(tmp / "tiny")

        def args(run: str) -> list[str]:
            return ["audit", "--model", str(model), "--suite", "trivia", "--limit", "4", "--conditions", "quick",
                    "--warmth-model", "none", "--max-new-tokens", "8", "--batch-size", "1", "--out", str(tmp / run)]

        code, err = crash.finish(args("clean"), crash.environment(tmp / "clean.sqlite"))
        assert code == 0, err
        clean = (tmp / "clean" / "results.jsonl").read_bytes()
        env = crash.environment(tmp / "k.sqlite")
        targets = sorted(rng.randint(1, 19) for _ in range(n))
        log = crash.kill_at_rows(args("run"), env, tmp / "k.sqlite", targets, seed=3)
        code, err = crash.finish(args("run"), env)
        rows, keys, ok = crash.cache_rows(tmp / "k.sqlite")
        same = code == 0 and (tmp / "run" / "results.jsonl").read_bytes() == clean
        out["audit"] = {"kills": log.kills, "rows_at_kills": [r for r, _ in log.attempts],
                        "survived": log.kills if same and rows == keys == 20 and ok == "ok" else 0,
                        "final_exit": code, "cache_rows": rows, "integrity": ok, "identical": same,
                        "error": err.strip()[-200:] if code else ""}
        print(f"  kills audit: {out['audit']}", flush=True)

        resumable = 0
        write_kills = max(3, n // 3)
        for i in range(write_kills):
            env = crash.environment(tmp / f"w{i}.sqlite")
            crash.kill_at_rows(args(f"w{i}"), env, tmp / f"w{i}.sqlite", [20], extra=1.5, seed=i)
            code, _ = crash.finish(args(f"w{i}"), env)
            resumable += code == 0 and (tmp / f"w{i}" / "results.jsonl").read_bytes() == clean
        out["audit_write_phase"] = {"kills": write_kills, "resumed_identical": resumable}
        print(f"  kills audit write phase: {out['audit_write_phase']}", flush=True)

        source = tmp / "g.jsonl"
        line = {"question": "Capital of France?", "correct": ["Paris"], "incorrect": ["Lyon"],
                "response": "The answer is Paris."}
        source.write_text("".join(json.dumps({**line, "id": str(i)}) + "\n" for i in range(20000)))
        target = tmp / "g.out.jsonl"
        gargs = ["grade", str(source), "--out", str(target), "--warmth-model", "none"]
        env = crash.environment(tmp / "g.sqlite")
        window = kill_window(gargs, env, target)
        survived = 0
        glog = crash.KillLog()
        for i in range(n):
            one = crash.kill_repeatedly(gargs, env, 1, window, seed=100 + i)
            glog.attempts += one.attempts
            survived += not one.attempts[0][1] and (not target.exists() or target.read_bytes().count(b"\n") == 20000)
        code, _ = crash.finish(gargs, env)
        complete = code == 0 and target.read_bytes().count(b"\n") == 20000
        out["grade"] = {"kills": glog.kills, "survived": survived if complete else 0,
                        "temp_files_left": len(list(tmp.glob(".g.out.jsonl.*.tmp")))}
        print(f"  kills grade: {out['grade']}", flush=True)
        out["data_audit"] = data_audit_kills(tmp, n)
        print(f"  kills data audit: {out['data_audit']}", flush=True)
    return out


def kill_window(args: list[str], env: dict[str, str], output: Path | None = None) -> tuple[float, float]:
    """Kill delays spread over a whole run: 5% to 95% of the seconds one uninterrupted run takes here."""
    from tests.hardening import crash

    start = time.perf_counter()
    code, err = crash.finish(args, env)
    assert code == 0, err
    seconds = time.perf_counter() - start
    if output is not None:
        output.unlink()  # the kills start from nothing
    return 0.05 * seconds, 0.95 * seconds


def data_audit_kills(tmp: Path, n: int) -> dict[str, Any]:
    """`sincere data audit` of 20,000 chats SIGKILLed `n` times at random moments of a run, each rerun into
    the same folder: never a summary beside incomplete examples, and in the end the same bytes as a clean
    run, with no work or temporary files left."""
    from tests.hardening import crash

    source = tmp / "chats.jsonl"
    with open(source, "w", encoding="utf-8") as handle:
        for i in range(20000):
            chat = [{"role": "user", "content": f"I feel low. Is Sydney the capital of Australia? ({i})"},
                    {"role": "assistant", "content": f"No, it is Canberra. Take care ({i})."}]
            handle.write(json.dumps({"messages": chat}) + "\n")
    before = source.read_bytes()

    def args(folder: str) -> list[str]:
        return ["data", "audit", str(source), "--warmth-model", "none", "--embedding-model", "none",
                "--out", str(tmp / folder)]

    env = crash.environment(tmp / "d.sqlite")
    code, err = crash.finish(args("d-clean"), env)
    assert code == 0, err
    clean = {name: (tmp / "d-clean" / name).read_bytes() for name in ("examples.jsonl", "summary.json")}
    consistent, log = 0, crash.KillLog()
    window = kill_window(args("d-time"), env)
    for i in range(n):
        one = crash.kill_repeatedly(args("d-run"), env, 1, window, seed=200 + i)
        log.attempts += one.attempts
        summary, examples = tmp / "d-run" / "summary.json", tmp / "d-run" / "examples.jsonl"
        consistent += not summary.exists() or (examples.exists() and examples.read_bytes() == clean["examples.jsonl"])
    code, _ = crash.finish(args("d-run"), env)
    identical = code == 0 and all((tmp / "d-run" / name).read_bytes() == data for name, data in clean.items())
    leftovers = [p.name for p in (tmp / "d-run").iterdir() if p.name.endswith(".tmp") or "partial" in p.name]
    return {"kills": log.kills, "consistent_after_kill": consistent, "final_identical": identical,
            "work_files_left": len(leftovers), "input_untouched": source.read_bytes() == before}


def faults() -> dict[str, Any]:
    from tests.fake_openai_server import FakeOpenAIServer
    from tests.hardening.test_faults import FAULTS, comparable, run_audit

    os.environ["SINCERE_TEST_KEY"] = "k"
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        with FakeOpenAIServer() as clean:
            run_audit(clean, tmp / "clean", tmp / "clean.sqlite")
        with FakeOpenAIServer(seed=11, **FAULTS) as faulty:
            start = time.perf_counter()
            run_audit(faulty, tmp / "faulty", tmp / "faulty.sqlite")
            seconds = time.perf_counter() - start
            figures = {"requests": faulty.requests, "faults_injected": faulty.faults,
                       "by_kind": dict(faulty.fault_counts), "seconds": round(seconds, 1)}
        figures["results_identical"] = comparable(tmp / "faulty") == comparable(tmp / "clean")
    print(f"  faults: {figures}", flush=True)
    return figures


def concurrency() -> dict[str, Any]:
    from tests.hardening.test_concurrency import CTX, _reader, _writer, integrity

    from sincere.engines.cache import GenerationCache

    with tempfile.TemporaryDirectory() as folder:
        cache = str(Path(folder) / "c.sqlite")
        GenerationCache(cache).close()
        stop, errors = CTX.Event(), CTX.Queue()
        reader = CTX.Process(target=_reader, args=(cache, stop, errors))
        writers = [CTX.Process(target=_writer, args=(cache, name, 3000, 500)) for name in ("a", "b")]
        reader.start()
        for w in (*writers,):
            w.start()
        for w in writers:
            w.join()
        stop.set()
        reader.join()
        expected = 500 + 2 * 2500
        got = GenerationCache(cache).count()
        figures = {"expected_rows": expected, "rows": got, "rows_lost": expected - got,
                   "integrity": integrity(Path(cache)), "reader_errors": 0 if errors.empty() else 1}
    print(f"  concurrency: {figures}", flush=True)
    return figures


def memory(lines: int) -> dict[str, Any]:
    figures = {}
    line = {"question": "Capital of France?", "correct": ["Paris"], "incorrect": ["Lyon"], "domain": "trivia",
            "response": "The answer is Paris, as every atlas says."}
    with tempfile.TemporaryDirectory() as folder:
        for n in (1000, lines):
            path = Path(folder) / f"g{n}.jsonl"
            with open(path, "w", encoding="utf-8") as handle:
                for i in range(n):
                    handle.write(json.dumps({**line, "id": str(i)}) + "\n")
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "sincere", "grade", str(path), "--warmth-model", "none"],
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
            _, status, usage = os.wait4(proc.pid, 0)
            figures[f"{n}_lines"] = {"peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "exit": status >> 8,
                                     "seconds": round(time.perf_counter() - start, 1)}
            print(f"  memory grade {n} lines: {figures[f'{n}_lines']}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300, help="Hypothesis examples per input path.")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--only", default="fuzz,kills,faults,concurrency,memory")
    parser.add_argument("--paths", default="", help="Fuzz only input paths whose name contains one of these.")
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    sections = {"fuzz": lambda: fuzz(args.examples, args.paths), "kills": lambda: kills(args.kills), "faults": faults,
                "concurrency": concurrency, "memory": lambda: memory(args.lines)}
    figures: dict[str, Any] = {}
    for name in args.only.split(","):
        print(f"[{name}]", flush=True)
        figures[name] = sections[name]()
    print(json.dumps(figures, indent=1, default=str))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str))


if __name__ == "__main__":
    main()
