"""Grading while a server generates: the audit against a slow OpenAI-compatible server, graded after
generation (the baseline) and while it generates (what the audit does for a server or a GPU).

    .venv/bin/python benchmarks/bench_overlap.py [--limit 40] [--latency 0.5] [--concurrency 4] [--local]

A loopback server (`tests/fake_openai_server.py`) answers each request after `--latency` seconds,
`--concurrency` at a time, with a reply of a few sentences that repeats the question between a
warm opener and a hedge (so every grader reads sentences on the question's topic, as in a real
reply). Both runs audit the same
`--limit` quick-suite items under the quick conditions with the default graders and no
generation cache, one after the other in this process; it prints each run's time and the ratio.
With `--local`, the embedded model generates on this machine's CPU instead of the server (the
case where the audit grades afterwards, because overlapping gains nothing on a busy CPU).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def responder(payload: dict[str, Any]) -> str:
    """A reply of a few sentences: a warm opener, the question repeated, a hedge."""
    from tests.fake_openai_server import last_user_text

    asked = last_user_text(payload)
    return (f"Thanks for asking about this. You asked: {asked[:120]} The answer most sources give is the "
            "one I mentioned, though details vary. I hope this helps, and let me know if you want more.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per request at the server")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--local", action="store_true", help="the embedded model on this CPU instead of a server")
    args = parser.parse_args()

    from tests.fake_openai_server import FakeOpenAIServer

    from sincere import audit
    from sincere.engines import load_engine

    folder = Path(tempfile.mkdtemp(prefix="bench-overlap-"))
    config = audit.AuditConfig(limit=args.limit, conditions="quick", n_boot=200)
    scorers = audit.default_scorers(config)
    for scorer in scorers:  # load the graders' models outside the timing
        scorer.score_batch(*_warm_up(config))
    times = {}
    with FakeOpenAIServer(responder=responder, latency=args.latency) as server:
        spec = config.model if args.local else f"openai:fake@{server.base_url},concurrency={args.concurrency}"
        for name, overlap in (("graded after generation", False), ("graded while generating", True)):
            engine = load_engine(spec, cache=False)
            engine.shares_cpu = not overlap
            started = time.perf_counter()
            summary = audit.run(config, folder / name.replace(" ", "-"), engine=engine, scorers=scorers)
            times[name] = time.perf_counter() - started
            engine.close()
    where = ("the embedded model on this CPU" if args.local
             else f"server latency {args.latency} s, {args.concurrency} requests at a time")
    print(f"\n{summary['n_results']} replies, {where}:")
    for name, seconds in times.items():
        print(f"  {name:<26} {seconds:6.1f} s")
    print(f"  grading while generating: {times['graded after generation'] / times['graded while generating']:.2f}x")


def _warm_up(config: Any) -> tuple[list[Any], list[str]]:
    from sincere import audit

    the_plan = audit.plan(config)
    sample = the_plan.conditions[0].build(the_plan.items[0], the_plan.statements, config.seed, None)
    return [sample], ["A warm-up reply."]


if __name__ == "__main__":
    main()
