"""The one error type a user sees: a one-line message, exit code 2."""

from __future__ import annotations

from typing import Any


class SincereError(Exception):
    """Bad input or configuration that the user can fix; the CLI prints it on one line, exit 2."""


class MissingDependency(SincereError):
    """An optional dependency is not installed; the message says what to install."""

    def __init__(self, package: str, purpose: str) -> None:
        super().__init__(f"{purpose} needs {package}: pip install {package}")


class Unreachable(SincereError):
    """A model endpoint could not be reached, or kept failing until the last retry."""


class Incomplete(Unreachable):
    """Generation stopped before every reply was in: `finished` holds what did finish (by input index for
    an engine, as (sample, reply) pairs in plan order for an audit), so a caller can keep it."""

    def __init__(self, message: str, finished: Any) -> None:
        super().__init__(message)
        self.finished = finished
