"""What `sincere.vectors` adds to an audit (`audit.Extension`): steering while generating
(`steer`) and each reply's projection on a trait with how well it predicts the graded behaviour
(`vectors`). The audit knows neither; `audit_extensions(config)` builds what a config asks for.
Torch loads only when one is used."""

from __future__ import annotations

import contextlib
from typing import Any

from sincere.audit import AuditConfig, Extension
from sincere.engines import Engine
from sincere.vectors.spec import SteerSpec


class Steer(Extension):
    """Generation steered along a trait direction; steered replies get their own cache entries."""

    setting = "steer"

    def __init__(self, spec: str) -> None:
        self.spec = SteerSpec.parse(spec)

    def generating(self, engine: Engine) -> contextlib.AbstractContextManager[Any]:
        from sincere.vectors.steer import steer_engine

        return steer_engine(engine, self.spec)


class Projections(Extension):
    """Each reply's projection on the trait (`row["projection"]`) and the projection statistics."""

    setting = "vectors"

    def __init__(self, path: str) -> None:
        from sincere.vectors.store import load

        self.vectors = load(path)

    def annotate(self, rows: list[dict[str, Any]], engine: Engine) -> None:
        from sincere.vectors.monitor import annotate_rows

        annotate_rows(rows, engine, self.vectors)

    def statistics(self, rows: list[dict[str, Any]], n_boot: int, seed: int) -> dict[str, Any]:
        from sincere.vectors.monitor import projection_statistics

        return {"projection": projection_statistics(rows, n_boot, seed)}


def audit_extensions(config: AuditConfig) -> list[Extension]:
    """The extensions an audit config asks for (none when it sets neither steer nor vectors)."""
    return [*([Steer(config.steer)] if config.steer else []), *([Projections(config.vectors)] if config.vectors
                                                                 else [])]
