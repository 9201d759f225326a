"""sincere: audit and train chat models to be warm *and* right.

Heavy modules (torch, transformers) load lazily, so `import sincere` and `sincere --help` are fast.
"""

from __future__ import annotations

from sincere import lazy

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


__getattr__ = lazy.exports(__name__, _PUBLIC)
