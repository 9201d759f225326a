"""`sincere generate` as a library call: replies to prompts or chat files with any engine, batched
and cached (an interrupted run resumes); a conversation too long for the model is skipped and named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sincere import common_settings as common
from sincere import jsonl
from sincere.engines.base import GenParams, check_conversation
from sincere.errors import SincereError
from sincere.settings import check_fields, setting


@dataclass
class GenerateConfig:
    """The flags of `sincere generate` and the keys of its `--config` YAML."""

    file: str | None = setting(None, "JSONL of chats: 'messages' (chat list) or 'prompt' (text); - reads stdin.",
                               flags=("FILE",))
    prompt: list[str] = setting([], "A prompt (repeatable).", flags=("--prompt", "-p"))
    out: str | None = setting(None, "Write JSONL here (default: stdout).", flags=("--out", "-o"))
    model: str = common.model()
    max_new_tokens: int = common.max_new_tokens(256)
    temperature: float = common.temperature()
    top_p: float = common.top_p()
    seed: int = common.seed()
    batch_size: int | None = common.batch_size()
    dtype: Literal["auto", "bf16", "fp16", "fp32"] = common.dtype()
    cache: bool = common.cache()

    def __post_init__(self) -> None:
        check_fields(self)
        if not self.file and not self.prompt:
            raise SincereError("nothing to generate: give a JSONL file or --prompt TEXT")


@dataclass
class Generated:
    """The replies as JSONL lines, how many were generated (the rest came from the cache), and the inputs skipped."""

    lines: list[str]
    fresh: int
    skipped: list[str] = field(default_factory=list)


def run(config: GenerateConfig, engine: Any = None) -> Generated:
    """Read the inputs, generate, and write `out` when set (never over the input)."""
    from sincere import progress
    from sincere.engines import load_engine

    source = Path(config.file) if config.file else None
    if config.out and source is not None:
        jsonl.refuse_inputs(Path(config.out), (source,))
    conversations = [[{"role": "user", "content": p}] for p in config.prompt]
    skipped: list[str] = []
    if source is not None:
        conversations += [_conversation(source, n, rec) for n, rec in jsonl.good_records(source, skipped)]
        jsonl.warn_skipped(skipped)
    params = GenParams(config.max_new_tokens, config.temperature, config.top_p, config.seed)
    engine = engine or load_engine(config.model, cache=config.cache, batch_size=config.batch_size,
                                   dtype=config.dtype)
    reasons = engine.overflows(conversations, config.max_new_tokens)
    too_long = [f"conversation {n + 1}: {reason}; skipped" for n, reason in enumerate(reasons) if reason]
    jsonl.warn_skipped(too_long)
    conversations = [c for c, reason in zip(conversations, reasons, strict=True) if not reason]
    with progress.task("generating", len(conversations)) as advance:
        replies = engine.generate(conversations, params, progress=advance)
    lines = [jsonl.dumps({"messages": c, "response": g.text, "tokens": g.tokens, "finish": g.finish})
             for c, g in zip(conversations, replies, strict=True)]
    if config.out:
        with jsonl.atomic_writer(config.out, protect=(source,) if source else ()) as handle:
            handle.writelines(line + "\n" for line in lines)
    return Generated(lines, getattr(engine, "generated", len(replies)), skipped + too_long)


def _conversation(path: Path, number: int, record: dict) -> list[dict]:
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
