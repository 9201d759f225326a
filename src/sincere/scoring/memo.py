"""The tuned models' outputs remembered across runs, so text read once is not read again.

A table beside the generations, in the generation cache's SQLite file: each row is one output
vector of a tuned MiniLM (`tuned.py`: the stance and tone models), keyed by a hash of the model
(`tuned.fingerprint`: its weights, the encoder's, and the versions of the libraries that compute
it), the length limit and the text or text pair. An output depends on nothing else, so a
remembered one is the one the model would give. Rerunning an audit on cached replies then grades
without running the encoders (`sincere audit`; `--no-cache` reads and writes neither cache).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

import numpy as np

from sincere import store

_SCHEMA = "CREATE TABLE IF NOT EXISTS outputs (key TEXT PRIMARY KEY, value BLOB NOT NULL)"


def key(fingerprint: str, max_length: int, first: str, second: str | None) -> str:
    """The key of one model input."""
    payload = json.dumps([fingerprint, max_length, first, second], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class Memo(store.Table):
    """Output vectors (float32) by `key`; safe for several processes and threads at once."""

    SCHEMA = _SCHEMA
    WHAT = "output cache"

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The remembered outputs among `keys`."""
        rows = self.rows("SELECT key, value FROM outputs WHERE key IN ({marks})", keys)
        return {name: np.frombuffer(value, dtype=np.float32) for name, value in rows}

    def put_many(self, values: Mapping[str, np.ndarray]) -> None:
        """Remember outputs (one transaction)."""
        rows = [(name, np.asarray(value, dtype=np.float32).tobytes()) for name, value in values.items()]
        self.write("INSERT OR IGNORE INTO outputs VALUES (?, ?)", rows)

    def count(self) -> int:
        """How many outputs are remembered."""
        return int(self.query("SELECT COUNT(*) FROM outputs")[0][0])
