"""Shared fuzz machinery: hostile file contents, an in-process CLI runner and the outcome check.

Used by test_fuzz_inputs.py (a few dozen examples per path) and benchmarks/bench_hardening.py
(many examples, with counts).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from sincere.errors import SincereError

NASTY_TEXT = [
    "\u202eevil\u202c", "e\u0301\u0301\u0301", "\U0001f600\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\u200b\u200c\u200d\ufeff", "\u0000", "\x1b[31m", "\ud7ff", "שלום עולם", "مرحبا", "\u0085\u2028\u2029",
    "<script>window.__pwned=1</script>", "{{7*7}}", "${x}", "%s%n", "\\", '"', "\r\n", "\t",
]
NASTY_BYTES = [
    b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\n", b"\r", b"\r\n",
    b"{", b"}", b"[", b"]", b'"', b",", b":", b"null", b"1e999", b"-0", b"NaN", b"Infinity", b"\\u0000",
    b'{"question":', b'"correct":', b'"response":', b'"messages":[', b'{"role":"user","content":',
]
GOOD_ITEM = {"id": "a", "question": "What is the capital of France?", "correct": ["Paris"],
             "incorrect": ["Lyon"], "domain": "trivia"}
GOOD_CHAT = {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]}
GOOD_GRADE = {**GOOD_ITEM, "response": "Paris."}

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=20), st.sampled_from(NASTY_TEXT))
json_values = st.recursive(json_scalars, lambda c: st.one_of(st.lists(c, max_size=4),
                                                             st.dictionaries(st.text(max_size=8), c, max_size=4)),
                           max_leaves=12)


@st.composite
def mutated_record(draw: st.DrawFn, base: dict) -> dict:
    """A valid record with fields dropped, retyped, added or replaced by nasty text."""
    record = dict(base)
    for key in list(record):
        action = draw(st.sampled_from(["keep", "keep", "drop", "retype", "nasty"]))
        if action == "drop":
            del record[key]
        elif action == "retype":
            record[key] = draw(json_values)
        elif action == "nasty":
            record[key] = draw(st.sampled_from(NASTY_TEXT)) + str(record[key])
    for _ in range(draw(st.integers(0, 2))):
        record[draw(st.text(max_size=8))] = draw(json_values)
    return record


@st.composite
def jsonl_bytes(draw: st.DrawFn, base: dict) -> bytes:
    """A JSONL file: good, mutated and broken lines, truncation, BOMs, NULs, deep nesting."""
    lines: list[bytes] = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["good", "mutated", "mutated", "junk", "bytes", "deep", "truncated",
                                     "scalar", "blank"]))
        if kind == "good":
            lines.append(json.dumps(base).encode())
        elif kind == "mutated":
            lines.append(json.dumps(draw(mutated_record(base)), ensure_ascii=draw(st.booleans())).encode(
                "utf-8", "surrogatepass"))
        elif kind == "junk":
            lines.append(b"".join(draw(st.lists(st.sampled_from(NASTY_BYTES), max_size=8))))
        elif kind == "bytes":
            lines.append(draw(st.binary(max_size=40)).replace(b"\n", b" "))
        elif kind == "deep":
            depth = draw(st.sampled_from([50, 2000, 100_000]))
            lines.append(b"[" * depth + (b"]" * depth if draw(st.booleans()) else b""))
        elif kind == "truncated":
            text = json.dumps(base).encode()
            lines.append(text[: draw(st.integers(0, len(text) - 1))])
        elif kind == "scalar":
            lines.append(json.dumps(draw(json_values)).encode())
        else:
            lines.append(draw(st.sampled_from([b"", b"   ", b"\t"])))
    data = b"\n".join(lines)
    if draw(st.booleans()):
        data += b"\n"
    if draw(st.integers(0, 5)) == 0:
        data = b"\xef\xbb\xbf" + data
    return data


@st.composite
def csv_bytes(draw: st.DrawFn, header: list[str], full_rows: bool = False) -> bytes:
    """A CSV file with the given header (sometimes damaged) and rows of nasty cells.

    `full_rows`: every row has at least as many cells as the header (a known bug avoided).
    """
    cell = st.one_of(st.text(max_size=15), st.sampled_from(NASTY_TEXT + ['"', '"unterminated', "a;b;;c", ""]))
    head = header if draw(st.booleans()) else draw(st.lists(st.sampled_from(header + ["x", ""]), max_size=5))
    rows = [",".join(head)]
    for _ in range(draw(st.integers(0, 4))):
        cells = draw(st.lists(cell, min_size=len(header) if full_rows else 0, max_size=len(header) + 2))
        if full_rows:
            cells = [c.replace("\n", " ").replace("\r", " ") for c in cells]
        rows.append(",".join(cells))
    data = "\n".join(rows).encode("utf-8", "surrogatepass")
    if full_rows:  # an unbalanced quote merges cells, which would make a row short again
        data = data.replace(b'"', b"'")
    if draw(st.integers(0, 4)) == 0:
        data = draw(st.sampled_from(NASTY_BYTES)) + data
    if draw(st.integers(0, 4)) == 0:
        data += draw(st.binary(max_size=10))
    return data


@st.composite
def yaml_bytes(draw: st.DrawFn) -> bytes:
    """A statements YAML: valid, retyped, broken indentation, anchors, tags, binary."""
    pieces = ["contexts:\n  sad:\n    - I feel sad.\n", "systems:\n  kind: Be kind.\n", "contexts: []\n",
              "contexts:\n  x: 3\n", "systems:\n  s: ''\n", "- a\n- b\n", "a: &x [*x]\n", "!!python/object:os.system\n",
              "contexts:\n\tbad: tab\n", "? [a]\n: b\n", "contexts:\n  e:\n    - \U0001f600\u202e\n", "%YAML 9.9\n",
              "contexts: {a: [1, 2]}\n", "systems: {n: null}\n", "---\n...\n---\n", "key: 'unterminated\n"]
    data = "".join(draw(st.lists(st.sampled_from(pieces), max_size=4))).encode()
    if draw(st.integers(0, 4)) == 0:
        data += draw(st.binary(max_size=12))
    return data


@st.composite
def recipe_bytes(draw: st.DrawFn) -> bytes:
    """A training recipe YAML: valid settings, wrong types and values, unknown keys, YAML traps, binary."""
    pieces = ["trainer: sft\n", "trainer: dpo\n", "trainer: 7\n", "learning_rate: 3.0e-4\n", "learning_rate: fast\n",
              "epochs: -1\n", "max_steps: 1e999\n", "lora_r: [1, 2]\n", "model: {a: 1}\n", "monitor_every: 0\n",
              "steer: 'x.safetensors:top:4'\n", "weights: {correctness: 2}\n", "unknown_key: 1\n", "seed: ~\n",
              "seed: !!python/object:os.system\n", "batch_size: true\n", "guardrail: explode\n", "data: ''\n",
              "probe_conditions: 'sad+nonsense'\n", "lora: maybe\n", "description: \u202e\U0001f600\n", "- a\n",
              "a: &x [*x]\n", "\tkey: tab\n", "%YAML 9.9\n", "---\n...\n---\n", "key: 'unterminated\n", ": :\n"]
    data = "".join(draw(st.lists(st.sampled_from(pieces), max_size=5))).encode()
    if draw(st.integers(0, 4)) == 0:
        data += draw(st.binary(max_size=12))
    return data


@dataclass
class Tally:
    """Cases tried and failures (with a short description of each)."""

    cases: int = 0
    failures: list[str] = field(default_factory=list)


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise Hang if the block runs longer than `seconds` (main thread only)."""
    def on_alarm(*_: object) -> None:
        raise Hang(f"no answer within {seconds}s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "-"


def run_cli(args: list[str], timeout: int = 30) -> tuple[int, str, str]:
    """Run `sincere ARGS` in-process: (exit code, stdout, stderr). Exceptions other than SystemExit escape."""
    import importlib

    cli = importlib.import_module("sincere.cli.main")

    stdout, stderr = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["sincere", *args]
    code: int | str | None = 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), time_limit(timeout):
            cli.main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    return (code if isinstance(code, int) else (0 if code is None else 1)), stdout.getvalue(), stderr.getvalue()


def check_cli(args: list[str], inputs: list[Path], name_in_error: str | None = None) -> str | None:
    """Run the CLI; a description of what went wrong, or None when the outcome is acceptable."""
    before = {p: digest(p) for p in inputs}
    try:
        code, _, err = run_cli(args)
    except Hang as exc:
        return f"hang: {args}: {exc}"
    except Exception as exc:  # noqa: BLE001 - the point is to catch whatever escapes
        return f"traceback: {args}: {type(exc).__name__}: {str(exc)[:200]}"
    changed = [str(p) for p in inputs if digest(p) != before[p]]
    if changed:
        return f"input modified: {changed}"
    if "Traceback" in err:
        return f"traceback on stderr: {args}: {err[-300:]}"
    if code == 0:
        return None
    if code != 2:
        return f"exit {code}: {args}: {err[-300:]}"
    lines = [line for line in err.strip().splitlines() if line.startswith("error:")]
    if len(lines) != 1:
        return f"expected one 'error:' line: {args}: {err[-300:]!r}"
    if name_in_error and name_in_error not in err:
        return f"error does not name {name_in_error}: {lines[0][:200]!r}"
    return None


def check_library(call: Callable[[], object], path: Path) -> str | None:
    """Call a loader: fine, or a SincereError naming the file; anything else is a failure."""
    before = digest(path)
    try:
        with time_limit(30):
            call()
    except SincereError as exc:
        if str(path) not in str(exc):
            return f"error does not name the file: {str(exc)[:200]!r}"
        if "\n" in str(exc).strip():
            return f"multi-line error: {str(exc)[:200]!r}"
    except Hang as exc:
        return f"hang: {exc}"
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    if digest(path) != before:
        return "input modified"
    return None
