"""sincere: audit and train chat models to be warm *and* right.

Heavy modules (torch, transformers) load lazily, so `import sincere` and `sincere --help` are fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "SincereError": "sincere.errors",
    "ModelSpec": "sincere.models",
    "parse_model": "sincere.models:parse",
    "Engine": "sincere.engines.base",
    "GenParams": "sincere.engines.base",
    "Generation": "sincere.engines.base",
    "load_engine": "sincere.engines",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'sincere' has no attribute {name!r}")
    module, _, attr = _PUBLIC[name].partition(":")
    return getattr(importlib.import_module(module), attr or name)
