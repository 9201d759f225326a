"""`sincere generate`: answer prompts or chat files with any engine (a smoke test of a model)."""

from __future__ import annotations

from pathlib import Path

import typer

from sincere.cli import options
from sincere.cli.app import app, err, out


@app.command()
def generate(
    file: Path = typer.Argument(None, help="JSONL of chats: 'messages' (chat list) or 'prompt' (text)."),
    prompt: list[str] = typer.Option(None, "--prompt", "-p", help="A prompt (repeatable)."),
    output: Path = typer.Option(None, "--out", "-o", help="Write JSONL here (default: stdout)."),
    model: str = options.model(),
    max_new_tokens: int = options.max_new_tokens(256),
    temperature: float = options.TEMPERATURE,
    top_p: float = options.TOP_P,
    seed: int = options.SEED,
    batch_size: int = options.BATCH_SIZE,
    dtype: str = options.DTYPE,
    no_cache: bool = options.NO_CACHE,
) -> None:
    """Generate replies with a model, batched and cached; interrupted runs resume."""
    from sincere import jsonl, progress
    from sincere.engines import GenParams, load_engine
    from sincere.errors import SincereError

    if output is not None and file is not None:
        jsonl.refuse_inputs(output, (file,))
    conversations = [[{"role": "user", "content": p}] for p in prompt or []]
    skipped: list[str] = []
    if file is not None:
        conversations += [_conversation(file, n, rec) for n, rec in jsonl.good_records(file, skipped)]
        jsonl.warn_skipped(skipped)
    if not conversations:
        raise SincereError("nothing to generate: give a JSONL file or --prompt TEXT")
    params = GenParams(max_new_tokens, temperature, top_p, seed)
    engine = load_engine(model, cache=not no_cache, batch_size=batch_size, dtype=dtype)
    reasons = engine.overflows(conversations, max_new_tokens)
    too_long = [f"conversation {n + 1}: {reason}; skipped" for n, reason in enumerate(reasons) if reason]
    jsonl.warn_skipped(too_long)
    skipped += too_long
    conversations = [c for c, reason in zip(conversations, reasons, strict=True) if not reason]
    with progress.task("generating", len(conversations)) as advance:
        replies = engine.generate(conversations, params, progress=advance)
    fresh = getattr(engine, "generated", len(replies))
    err.print(f"{len(replies)} replies: {fresh} generated, {len(replies) - fresh} from the cache")
    lines = [
        jsonl.dumps({"messages": c, "response": g.text, "tokens": g.tokens, "finish": g.finish})
        for c, g in zip(conversations, replies, strict=True)
    ]
    if output is None:
        for line in lines:
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    else:
        with jsonl.atomic_writer(output, protect=(file,) if file else ()) as handle:
            handle.writelines(line + "\n" for line in lines)
        out.print(f"wrote {len(lines)} replies to {output}")
    if skipped:
        raise SincereError(f"INCOMPLETE: {len(skipped)} input(s) were skipped (listed above); "
                           "the output holds the replies to the others")


def _conversation(path: Path, number: int, record: dict) -> list[dict]:
    from sincere.engines.base import check_conversation
    from sincere.errors import SincereError

    if isinstance(record.get("prompt"), str):
        return [{"role": "user", "content": record["prompt"]}]
    messages = record.get("messages")
    if not isinstance(messages, list):
        raise SincereError(f"{path}:{number}: needs 'messages' (a chat list) or 'prompt' (text)")
    try:
        check_conversation(messages)
    except SincereError as exc:
        raise SincereError(f"{path}:{number}: {exc}") from None
    return [{"role": m["role"], "content": m["content"]} for m in messages]
