"""The quick audit by phase, cold and warm: where its time goes.

    .venv/bin/python benchmarks/bench_audit.py [--limit N] [--conditions quick]

Runs the phases of `sincere audit` on the embedded model one after the other, timing each: the
plan, loading the engine, generation (cold: an empty generation cache made for this run; warm:
the same cache again, so every reply comes from it), each scorer over all replies (loading its
model included, the first time), the statistics, and writing the run folder with its report. The
ratio of each phase to the whole is printed, measured in the same run; `--limit` takes a seeded
sample of the quick suite's 100 items (every condition for each).

After the cold run it prints the generation's floor on this machine: the matmul work the run
cannot avoid (every linear layer for each prompt token, the prompts' common prefix counted once,
and for each new token; the LM head for new tokens only; attention left out), divided by the best
throughput of `torch.nn.functional.linear` measured on the model's own shapes in the engine's
dtype (`bench_generation.matmul_throughput`), at 64 and at 256 rows: its best shape's rate gives
the floor, which no engine beats; the rate of the model's own mix of shapes, a closer estimate.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def timed(label: str, figures: dict[str, float], call):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = call()
    figures[label] = time.perf_counter() - started
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="A seeded sample of the quick suite's items.")
    parser.add_argument("--conditions", default="quick")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    os.environ["SINCERE_CACHE"] = str(folder / "generations.sqlite")

    from sincere import audit
    from sincere.engines import load_engine

    config = audit.AuditConfig(limit=args.limit, conditions=args.conditions)
    for run in ("cold", "warm"):
        figures: dict[str, float] = {}
        plan = timed("plan", figures, lambda: audit.plan(config))
        engine = timed("load engine", figures, lambda: load_engine(config.model, dtype=config.dtype))
        plan, _ = timed("fit to context", figures, lambda: audit.fitting(plan, engine, config))  # noqa: B023
        pairs = timed("generation", figures, lambda: audit.generate_samples(plan, engine, config))  # noqa: B023
        scorers = audit.default_scorers(config)
        scores: list[dict] = [{} for _ in pairs]
        samples, texts = [p[0] for p in pairs], [p[1].text for p in pairs]
        for scorer in scorers:
            results = timed(f"scorer {scorer.name}", figures,
                            lambda s=scorer: s.score_batch(samples, texts))  # noqa: B023
            for row, result in zip(scores, results, strict=True):
                row[scorer.name] = result.as_dict()
        rows = [audit.result_row(s, g, sc) for (s, g), sc in zip(pairs, scores, strict=True)]
        stats = timed("statistics", figures, lambda: audit.statistics(rows, config.n_boot, config.seed))  # noqa: B023
        summary = {"config": {"model": config.model}, "n_items": len(plan.items), "n_results": len(rows),
                   "statistics": stats, "measures": audit.measures(scorers)}
        timed("write folder + report", figures, lambda: audit.write_run(folder / run, rows, summary))  # noqa: B023
        total = sum(figures.values())
        print(f"{run}: {len(plan.items)} items x {len(plan.conditions)} conditions = {len(rows)} replies, "
              f"{total:.1f} s in all")
        for label, seconds in figures.items():
            print(f"  {label:<26} {seconds:7.1f} s  {seconds / total:6.1%}")
        if run == "cold":
            floor(engine, pairs)
        engine.close()


def floor(engine, pairs) -> None:  # type: ignore[no-untyped-def]
    """Print the cold generation's matmul floor (see the module docstring)."""
    from bench_generation import matmul_shapes, matmul_throughput

    prompts = engine.encode([sample.messages for sample, _ in pairs])
    shared = len(os.path.commonprefix(prompts)) if prompts else 0
    read = sum(len(p) for p in prompts) - shared * (len(prompts) - 1)
    new = sum(generation.tokens for _, generation in pairs)
    shapes = matmul_shapes(engine.model)
    vocab = engine.model.config.get_text_config().vocab_size
    head = sum(i * o for i, o in shapes if o == vocab)
    body = sum(i * o for i, o in shapes) - head
    flops = 2.0 * (body * (read + new) + head * new)
    dtype = next(engine.model.parameters()).dtype
    rates = [matmul_throughput(shapes, rows, dtype, engine.device) for rows in (64, 256)]
    best, mix = max(rate[0] for rate in rates), max(rate[1] for rate in rates)
    print(f"generation floor: {read} prompt tokens ({shared} shared), {new} new tokens, {flops / 1e12:.2f} TFLOP "
          f"of matmuls ({str(dtype).removeprefix('torch.')}): {flops / best / 1e9:.1f} s at the best shape's "
          f"{best:.0f} GFLOP/s, {flops / mix / 1e9:.1f} s at the model's mix of shapes ({mix:.0f} GFLOP/s)")


if __name__ == "__main__":
    main()
