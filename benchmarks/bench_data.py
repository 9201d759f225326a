"""Peak memory (RSS) and time of each `sincere data` command on a small and a 10,000-example file.

    .venv/bin/python benchmarks/bench_data.py [N] [--warmth]

It writes N examples (default 10,000: the built-in corpus cycled, every 1000th line malformed)
and runs each command in a child process, reading the child's peak RSS from `os.wait4`. The
baseline is the same command on 500 examples in the same run: streaming shows as a peak-RSS
ratio near 1 while the time grows with N. `--warmth` audits with the default SocioT warmth LM
(without it, `--warmth-model none`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN = "import sys; from sincere.cli.main import main; sys.argv[0] = 'sincere'; main()"


def make_file(path: Path, n: int) -> Path:
    """N examples from the built-in corpus, with varied user turns and a malformed line per 1000."""
    from sincere.data.sources import builtin_corpus_path

    base = [json.loads(line) for line in builtin_corpus_path().read_text(encoding="utf-8").splitlines()]
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(n):
            if index % 1000 == 999:
                handle.write("{not json\n")
                continue
            row = json.loads(json.dumps(base[index % len(base)]))
            row["id"] = f"ex-{index:05d}"
            row.pop("query_type", None)
            row["messages"][0]["content"] += f" (asked {index // len(base) + 1} times)"
            handle.write(json.dumps(row) + "\n")
    return path


def measure(args: list[str]) -> tuple[int, float, float]:
    """(exit code, seconds, peak RSS in MiB) of `sincere data ARGS` in a child process."""
    start = time.time()
    child = subprocess.Popen([sys.executable, "-c", RUN, "data", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    return os.waitstatus_to_exitcode(status), time.time() - start, usage.ru_maxrss / 1024


def commands(data: Path, work: Path, warmth: bool) -> list[tuple[str, list[str]]]:
    audit = ["audit", str(data), "--out", str(work / f"audit-{data.stem}")]
    audit += [] if warmth else ["--warmth-model", "none"]
    return [
        ("audit", audit),
        ("rewrite", ["rewrite", str(data), "--style", "warm", "--out", str(work / f"warm-{data.stem}.jsonl")]),
        ("rebalance", ["rebalance", str(data), "--audit", str(work / f"audit-{data.stem}"), "--out",
                       str(work / f"bal-{data.stem}.jsonl"), "--size", "2000"]),
        ("convert", ["convert", str(data), "--to", "prompt_completion", "--out", str(work / f"pc-{data.stem}.jsonl")]),
    ]


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 10_000))
    warmth = "--warmth" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        baseline: dict[str, tuple[float, float]] = {}
        for size in (500, n):
            data = make_file(work / f"data{size}.jsonl", size)
            print(f"{size} examples ({data.stat().st_size / 2**20:.1f} MiB):", flush=True)
            for name, args in commands(data, work, warmth):
                code, seconds, rss = measure(args)
                ratio = ""
                if name in baseline:
                    base_seconds, base_rss = baseline[name]
                    ratio = f"  vs 500: time x{seconds / base_seconds:.1f}, peak RSS x{rss / base_rss:.2f}"
                baseline.setdefault(name, (seconds, rss))
                print(f"  {name:10s} exit {code}  {seconds:7.1f} s  peak RSS {rss:7.0f} MiB{ratio}", flush=True)
        code, seconds, rss = measure(["augment", "--suite", "builtin", "--format", "preference",
                                      "--out", str(work / "aug.jsonl")])
        lines = sum(1 for _ in open(work / "aug.jsonl"))
        print(f"augment builtin/study ({lines} examples): exit {code}  {seconds:.1f} s  peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
