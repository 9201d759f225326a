"""The one error type a user sees: a one-line message, exit code 2."""

from __future__ import annotations


class SincereError(Exception):
    """Bad input or configuration that the user can fix; the CLI prints it on one line, exit 2."""


class MissingDependency(SincereError):
    """An optional dependency is not installed; the message says what to install."""

    def __init__(self, package: str, purpose: str) -> None:
        super().__init__(f"{purpose} needs {package}: pip install {package}")


class Unreachable(SincereError):
    """A model endpoint could not be reached, or kept failing until the last retry."""
