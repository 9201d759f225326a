"""Where sincere keeps its caches: `$SINCERE_HOME`, else `~/.cache/sincere`."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The root of sincere's user cache (models, generations)."""
    root = os.environ.get("SINCERE_HOME") or Path.home() / ".cache" / "sincere"
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def generation_cache() -> Path:
    """The SQLite file that caches generations, `$SINCERE_CACHE` if set."""
    env = os.environ.get("SINCERE_CACHE")
    return Path(env).expanduser() if env else home() / "generations.sqlite"
