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
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from sincere import paths, store

_SCHEMA = "CREATE TABLE IF NOT EXISTS outputs (key TEXT PRIMARY KEY, value BLOB NOT NULL)"


def key(fingerprint: str, max_length: int, first: str, second: str | None) -> str:
    """The key of one model input."""
    payload = json.dumps([fingerprint, max_length, first, second], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class Memo:
    """Output vectors (float32) by `key`; safe for several processes and threads at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = store.connect(self.path, _SCHEMA, "output cache")
        self._lock = threading.Lock()

    @classmethod
    def default(cls) -> Memo:
        """The table in the user-wide generation cache (`$SINCERE_CACHE`, else `~/.cache/sincere`)."""
        return cls(paths.generation_cache())

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The remembered outputs among `keys`."""
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(unique), 500):
                chunk = unique[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for name, value in self._db.execute(f"SELECT key, value FROM outputs WHERE key IN ({marks})", chunk):
                    found[name] = np.frombuffer(value, dtype=np.float32)
        return found

    def put_many(self, values: Mapping[str, np.ndarray]) -> None:
        """Remember outputs (one transaction)."""
        rows = [(name, np.asarray(value, dtype=np.float32).tobytes()) for name, value in values.items()]
        with self._lock:
            self._db.executemany("INSERT OR IGNORE INTO outputs VALUES (?, ?)", rows)
            self._db.commit()

    def count(self) -> int:
        """How many outputs are remembered."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM outputs").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
