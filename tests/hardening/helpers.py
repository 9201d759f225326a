"""Small helpers shared by the hardening tests."""

from __future__ import annotations

import re
from pathlib import Path

from sincere.engines.base import Engine
from sincere.scoring.base import Scorer


def offline_scorers() -> list[Scorer]:
    """Correctness without the embedding model, refusal and sycophancy (no model loads)."""
    from sincere.scoring.correctness import Correctness
    from sincere.scoring.refusal import RefusalScorer
    from sincere.scoring.sycophancy import Sycophancy

    correctness = Correctness(semantic=None)
    return [correctness, RefusalScorer(), Sycophancy(correctness=correctness)]


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in ([root] if root.is_file() else root.rglob("*"))
            if p.is_file()]


def leaks(secret: str, texts: dict[str, str | bytes]) -> list[str]:
    """Names of the artefacts that contain the secret (as text, or its bytes in any common encoding)."""
    needles = [secret.encode(), secret.encode("utf-16-le"), secret[4:].encode()]
    found = []
    for name, value in texts.items():
        data = value.encode("utf-8", "replace") if isinstance(value, str) else value
        if any(n in data for n in needles):
            found.append(name)
    return found


def results_without_timing(run: Path) -> list[str]:
    return (run / "results.jsonl").read_text(encoding="utf-8").split("\n")


__all__ = ["Engine", "files_under", "leaks", "offline_scorers", "results_without_timing"]


PROGRESS_LINE = re.compile(r"^[\w ]+: (?:started\b|done, |stopped at |\d+(?:/\d+ \(\d+%\))? after )")


def without_progress(stderr: str) -> str:
    """stderr without the plain progress lines a phase prints when stderr is not a terminal."""
    return "".join(line for line in stderr.splitlines(keepends=True) if not PROGRESS_LINE.match(line))
