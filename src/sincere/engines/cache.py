"""A persistent generation cache (SQLite in WAL mode) and the engine wrapper that uses it.

Every generation is committed as soon as it exists, so a run that is killed loses nothing it
had generated, and rerunning it generates only what is missing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence

from sincere import store
from sincere.engines.base import Conversation, Engine, Generation, GenParams

_SCHEMA = """
CREATE TABLE IF NOT EXISTS generations (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    request TEXT NOT NULL,
    text TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    finish TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def cache_key(fingerprint: str, conversation: Conversation, params: GenParams) -> str:
    """A stable key for (model, messages, parameters); greedy decoding ignores seed and top_p."""
    settings = params.as_dict()
    if params.temperature == 0:
        settings = {"max_new_tokens": params.max_new_tokens, "temperature": 0.0}
    payload = json.dumps([fingerprint, conversation, settings], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class GenerationCache(store.Table):
    """Generations keyed by `cache_key`; safe for several processes at once (WAL, busy timeout)."""

    SCHEMA = _SCHEMA
    WHAT = "generation cache"

    def get_many(self, keys: Sequence[str]) -> dict[str, Generation]:
        """The cached generations among `keys`."""
        rows = self.rows("SELECT key, text, tokens, finish FROM generations WHERE key IN ({marks})", keys)
        return {key: Generation(text, tokens, finish) for key, text, tokens, finish in rows}

    def put(
        self,
        key: str,
        fingerprint: str,
        conversation: Conversation,
        params: GenParams,
        generation: Generation,
    ) -> None:
        """Store one generation and commit at once."""
        request = json.dumps({"messages": conversation, "params": params.as_dict()})
        row = (key, fingerprint, request, generation.text, generation.tokens, generation.finish, time.time())
        self.write("INSERT OR IGNORE INTO generations VALUES (?, ?, ?, ?, ?, ?, ?)", [row])

    def count(self, fingerprint: str | None = None) -> int:
        """How many generations are stored (for one model when `fingerprint` is given)."""
        if fingerprint is None:
            return int(self.query("SELECT COUNT(*) FROM generations")[0][0])
        return int(self.query("SELECT COUNT(*) FROM generations WHERE fingerprint = ?", (fingerprint,))[0][0])



class CachedEngine(Engine):
    """Wraps an engine: answers from the cache, generates only the misses and stores each one."""

    def __init__(self, engine: Engine, cache: GenerationCache) -> None:
        self.engine = engine
        self.cache = cache
        self.fingerprint = engine.fingerprint
        self.generated = 0  # how many generations this wrapper asked the engine for

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    @property
    def shares_cpu(self) -> bool:  # type: ignore[override]
        """The wrapped engine's (`Engine.shares_cpu`)."""
        return self.engine.shares_cpu

    def overflows(self, conversations: Sequence[Conversation], max_new_tokens: int) -> list[str | None]:
        """The wrapped engine's answer (`Engine.overflows`)."""
        return self.engine.overflows(conversations, max_new_tokens)

    def stream(
        self, conversations: Sequence[Conversation], params: GenParams
    ) -> Iterator[tuple[int, Generation]]:
        keys = [cache_key(self.fingerprint, c, params) for c in conversations]
        hits = self.cache.get_many(keys)
        waiting: dict[str, list[int]] = {}
        for index, key in enumerate(keys):
            if key in hits:
                yield index, hits[key]
            else:
                waiting.setdefault(key, []).append(index)
        if not waiting:
            return
        todo = list(waiting)
        todo_convs = [conversations[waiting[key][0]] for key in todo]
        for position, generation in self.engine.stream(todo_convs, params):
            key = todo[position]
            self.cache.put(key, self.fingerprint, todo_convs[position], params, generation)
            self.generated += 1
            for index in waiting[key]:
                yield index, generation

    def close(self) -> None:
        self.engine.close()
        self.cache.close()
