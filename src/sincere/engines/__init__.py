"""Engines turn batches of conversations into responses; `load_engine` picks one for a spec."""

from __future__ import annotations

from sincere.engines.base import Conversation, Engine, Generation, GenParams, Message
from sincere.engines.cache import CachedEngine, GenerationCache
from sincere.models import ModelSpec, parse


def load_engine(
    spec: str | ModelSpec,
    *,
    cache: bool = True,
    batch_size: int | None = None,
    dtype: str = "auto",
) -> Engine:
    """An engine for a model spec, wrapped in the persistent generation cache unless `cache=False`."""
    parsed = parse(spec) if isinstance(spec, str) else spec
    engine: Engine
    if parsed.engine == "openai":
        from sincere.engines.openai import OpenAIEngine

        tuning = {"concurrency": parsed.concurrency, "timeout": parsed.timeout, "max_retries": parsed.retries}
        engine = OpenAIEngine(parsed, **{k: v for k, v in tuning.items() if v is not None})
    else:
        from sincere.engines.hf import HFEngine

        engine = HFEngine(parsed.name, batch_size=batch_size, dtype=dtype)
    return CachedEngine(engine, GenerationCache.default()) if cache else engine


__all__ = [
    "CachedEngine",
    "Conversation",
    "Engine",
    "GenParams",
    "Generation",
    "GenerationCache",
    "Message",
    "load_engine",
]
