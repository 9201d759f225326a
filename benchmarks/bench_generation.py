"""How fast the hf engine generates, against a naive loop and the machine's matmul bound.

    .venv/bin/python benchmarks/bench_generation.py [--csv PATH] [--n 64] [--new-tokens 48]
        [--model smollm2-135m] [--json PATH] [--agreement] [--compare-loops] [--skip-naive]

Measured in one run, greedy, on the first `--n` TruthfulQA questions as single-turn chats:

- engine: `HFEngine(model).generate(...)` (no generation cache), in the dtype the engine picks;
- loops (`--compare-loops`): the same engine with `loop="lean"` (sincere's decode loop) and
  `loop="generate"` (transformers' `model.generate`), on the same batches; "engine" is `auto`;
- naive: a fresh fp32 load of the same model, `model.generate` once per prompt;
- bounds: the machine's bf16 and fp32 matmul throughput on the model's own shapes (batch rows x
  each linear layer's weight), turned into tokens/s = throughput / (2 x matmul parameters per
  token: every linear weight outside the embeddings, plus the LM head).

Tokens are those each reply used, up to and including its end-of-sequence token
(`Generation.tokens`). Timings use `time.perf_counter` after one warm-up call (`--repeat N`
keeps the engine's best of N runs, for a machine shared with other work).
`--agreement` also generates every prompt alone (batch size 1) and reports how many batched
replies equal their unbatched twins.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

from sincere.engines.base import GenParams
from sincere.engines.hf import HFEngine, cpu_has_bf16, load_causal_lm

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "truthfulqa" / "TruthfulQA.csv"
TARGET_NAIVE, TARGET_BOUND = 5.0, 0.35


def questions(path: Path, n: int) -> list[list[dict[str, str]]]:
    """The first `n` TruthfulQA questions, each as a one-message chat."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [row["Question"] for row in csv.DictReader(handle)][:n]
    return [[{"role": "user", "content": question}] for question in rows]


def machine_facts(engine: HFEngine) -> dict[str, Any]:
    """CPU model and flags, threads, torch version, and the dtype the engine chose."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "")
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "avx512_bf16": "avx512_bf16" in flags,
        "amx_bf16": "amx_bf16" in flags,
        "native_bf16": cpu_has_bf16(),
        "device": engine.device,
        "engine_dtype": str(engine.dtype).removeprefix("torch."),
        "torch": torch.__version__,
    }


def time_engine(engine: HFEngine, chats: list, params: GenParams, repeat: int) -> tuple[float, int, list]:
    """Best seconds of `repeat` runs and generated tokens for the engine on all chats, after a warm-up.

    The warm-up is the same chats with 2 new tokens: it builds the kernels for this job's matmul
    shapes (oneDNN builds one per shape), as a long run does in its first batch.
    """
    engine.generate(chats, GenParams(max_new_tokens=2))
    seconds = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        replies = engine.generate(chats, params)
        seconds = min(seconds, time.perf_counter() - start)
    return seconds, sum(reply.tokens for reply in replies), replies


def time_naive(engine: HFEngine, chats: list, new_tokens: int) -> tuple[float, int]:
    """Seconds and generated tokens for `model.generate` on one prompt at a time, in fp32."""
    model, _ = load_causal_lm(engine.path, engine.device, torch.float32)
    stops = engine.stop_ids()
    prompts = [torch.tensor([ids], device=engine.device) for ids in engine.encode(chats)]
    options = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    options |= {"pad_token_id": engine.tokenizer.pad_token_id, "eos_token_id": stops}

    def run(ids: torch.Tensor) -> int:
        out = model.generate(input_ids=ids, max_new_tokens=new_tokens, **options)[0, ids.shape[1] :]
        ends = [i for i, token in enumerate(out.tolist()) if token in stops]
        return ends[0] + 1 if ends else len(out)

    with torch.inference_mode():
        run(prompts[0])  # warm-up
        start = time.perf_counter()
        tokens = sum(run(ids) for ids in prompts)
        seconds = time.perf_counter() - start
    return seconds, tokens


def matmul_shapes(model: torch.nn.Module) -> list[tuple[int, int]]:
    """(in, out) of every linear layer used per token, the LM head included, embeddings not."""
    shapes = [
        (module.in_features, module.out_features)
        for module in model.modules()
        if isinstance(module, torch.nn.Linear)
    ]
    if not any(out == model.config.get_text_config().vocab_size for _, out in shapes):
        head = model.get_output_embeddings()  # e.g. GPT-2 style models
        shapes.append((head.weight.shape[1], head.weight.shape[0]))
    return shapes


def matmul_throughput(
    shapes: list[tuple[int, int]], rows: int, dtype: torch.dtype, device: str
) -> tuple[float, float]:
    """GFLOP/s of `[rows x in] @ [in x out]` on the model's shapes: the best one, and the mix."""
    total_flops = total_seconds = 0.0
    best = 0.0
    for (fan_in, fan_out), count in sorted({s: shapes.count(s) for s in set(shapes)}.items()):
        x = torch.randn(rows, fan_in, dtype=dtype, device=device)
        w = torch.randn(fan_out, fan_in, dtype=dtype, device=device)
        flops = 2.0 * rows * fan_in * fan_out
        repeats = max(3, int(1e10 / flops))
        seconds = _best_time(lambda x=x, w=w: torch.nn.functional.linear(x, w), repeats, device)
        best = max(best, flops / seconds / 1e9)
        total_flops += flops * count
        total_seconds += seconds * count
    return best, total_flops / total_seconds / 1e9


def _best_time(fn: Any, repeats: int, device: str, rounds: int = 5) -> float:
    """Best per-call seconds of `fn` over a few rounds (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def agreement(engine: HFEngine, chats: list, params: GenParams, batched: list) -> int:
    """How many batched replies equal the same prompt generated alone."""
    size, engine.batch_size = engine.batch_size, 1
    try:
        alone = engine.generate(chats, params)
    finally:
        engine.batch_size = size
    return sum(a.text == b.text and a.tokens == b.tokens for a, b in zip(batched, alone, strict=True))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="TruthfulQA.csv")
    parser.add_argument("--n", type=int, default=64, help="questions (default 64)")
    parser.add_argument("--new-tokens", type=int, default=48, help="max new tokens (default 48)")
    parser.add_argument("--model", default="smollm2-135m", help="chat model (default smollm2-135m)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--agreement", action="store_true", help="compare batched with unbatched")
    parser.add_argument("--repeat", type=int, default=1, help="time the engine this often, keep the best")
    parser.add_argument("--compare-loops", action="store_true",
                        help="also time the engine with each decode loop (lean, generate)")
    parser.add_argument("--skip-naive", action="store_true", help="skip the (slow) naive loop")
    return parser.parse_args()


def measure(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    """Every figure of the benchmark, as a flat dict."""
    chats = questions(args.csv, args.n)
    params = GenParams(max_new_tokens=args.new_tokens)
    engine = HFEngine(args.model)
    facts = machine_facts(engine)
    console.print("[bold]machine[/] " + ", ".join(f"{key}={value}" for key, value in facts.items()))
    seconds, tokens, replies = time_engine(engine, chats, params, args.repeat)
    figures: dict[str, Any] = {**facts, "prompts": len(chats), "new_tokens": args.new_tokens}
    figures |= {"engine_seconds": seconds, "engine_tokens": tokens, "engine_tok_s": tokens / seconds}
    console.print(f"engine: {tokens} tokens in {seconds:.2f} s")
    for loop in ("lean", "generate") if args.compare_loops else ():
        engine.loop = loop
        loop_seconds, loop_tokens, _ = time_engine(engine, chats, params, args.repeat)
        figures |= {f"{loop}_seconds": loop_seconds, f"{loop}_tokens": loop_tokens,
                    f"{loop}_tok_s": loop_tokens / loop_seconds}
        console.print(f"engine, {loop} loop: {loop_tokens} tokens in {loop_seconds:.2f} s")
    engine.loop = "auto"
    shapes = matmul_shapes(engine.model)
    figures["matmul_params"] = sum(fan_in * fan_out for fan_in, fan_out in shapes)
    rows = min(len(chats), engine.batch_size or len(chats))
    for name, dtype in (("bf16", torch.bfloat16), ("fp32", torch.float32)):
        peak, mix = matmul_throughput(shapes, rows, dtype, engine.device)
        figures |= {f"{name}_gflops_peak": peak, f"{name}_gflops_mix": mix}
        figures[f"{name}_bound_tok_s"] = peak * 1e9 / (2 * figures["matmul_params"])
        console.print(f"{name} matmuls: {peak:.0f} GFLOP/s at best, {mix:.0f} on the model's mix")
    if not args.skip_naive:
        naive_seconds, naive_tokens = time_naive(engine, chats, args.new_tokens)
        figures |= {"naive_seconds": naive_seconds, "naive_tokens": naive_tokens}
        figures["naive_tok_s"] = naive_tokens / naive_seconds
        console.print(f"naive: {naive_tokens} tokens in {naive_seconds:.2f} s")
    if args.agreement:  # last: it is no timing
        figures["batched_equals_unbatched"] = agreement(engine, chats, params, replies)
    return figures


def report(figures: dict[str, Any], console: Console) -> None:
    """The table of rates and the ratios against the targets."""
    native = figures["engine_dtype"] == "bfloat16"  # the engine picks bf16 where it is native
    bound_name = "bf16" if native else "fp32"
    table = Table(title=f"{figures['prompts']} prompts x {figures['new_tokens']} new tokens, greedy")
    for column in ("", "seconds", "tokens", "tok/s"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row(f"engine ({figures['engine_dtype']})", f"{figures['engine_seconds']:.2f}",
                  str(figures["engine_tokens"]), f"{figures['engine_tok_s']:.0f}")
    for loop in ("lean", "generate"):
        if f"{loop}_tok_s" in figures:
            table.add_row(f"engine, {loop} loop", f"{figures[f'{loop}_seconds']:.2f}",
                          str(figures[f"{loop}_tokens"]), f"{figures[f'{loop}_tok_s']:.0f}")
    if "naive_tok_s" in figures:
        table.add_row("naive loop (fp32, batch 1)", f"{figures['naive_seconds']:.2f}",
                      str(figures["naive_tokens"]), f"{figures['naive_tok_s']:.0f}")
    for name in ("bf16", "fp32"):
        label = f"{name} bound ({figures[f'{name}_gflops_peak']:.0f} GFLOP/s"
        label += f"; model mix {figures[f'{name}_gflops_mix']:.0f})"
        table.add_row(label, "", "", f"{figures[f'{name}_bound_tok_s']:.0f}")
    console.print(table)
    console.print(f"matmul parameters per token: {figures['matmul_params'] / 1e6:.1f} M")
    ratios = {"engine / fp32 bound": figures["engine_tok_s"] / figures["fp32_bound_tok_s"]}
    ratios[f"engine / {bound_name} bound"] = figures["engine_tok_s"] / figures[f"{bound_name}_bound_tok_s"]
    if not native:
        console.print("[yellow]no native bf16 here: the engine runs fp32, so fp32 is the bound[/]")
    for name, value in ratios.items():
        target = f" (target >= {TARGET_BOUND:.0%})" if name.endswith(f"{bound_name} bound") else ""
        console.print(f"{name}: {value:.0%}{target}")
    if "generate_tok_s" in figures:
        ratios["lean loop / generate"] = figures["lean_tok_s"] / figures["generate_tok_s"]
        console.print(f"lean loop / generate: {ratios['lean loop / generate']:.2f}x")
    if "naive_tok_s" in figures:
        ratios["engine / naive"] = figures["engine_tok_s"] / figures["naive_tok_s"]
        console.print(f"engine / naive: {ratios['engine / naive']:.1f}x (target >= {TARGET_NAIVE:.0f}x)")
    if "batched_equals_unbatched" in figures:
        console.print(f"batched == unbatched: {figures['batched_equals_unbatched']}/{figures['prompts']}")
    figures["ratios"] = ratios
    figures["bound_dtype"] = bound_name


def main() -> None:
    args = parse_args()
    console = Console()
    figures = measure(args, console)
    report(figures, console)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))
        console.print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
