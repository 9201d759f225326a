"""Public names a package exports lazily, so that importing it loads no heavy module (torch,
transformers) until a name is used: `__getattr__ = lazy.exports(__name__, {name: "module[:attr]"})`.
A module path without a dot is relative to the package."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, table: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `table[name]` ("module" or "module:attribute") on first use."""

    def getattr_(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = table[name].partition(":")
        module = module if "." in module else f"{package}.{module}"
        return getattr(importlib.import_module(module), attribute or name)

    return getattr_
