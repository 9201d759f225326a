"""Trait directions inside a model (persona vectors): extract, monitor, screen training data, steer.

Public names are imported lazily (torch loads only when one is used), so that importing
`sincere.vectors` from the CLI costs nothing.
"""

from __future__ import annotations

from sincere import lazy

_EXPORTS = {
    "audit_extensions": "in_audit",
    "Activations": "activations",
    "collect": "activations",
    "Pair": "contrast",
    "TRAITS": "contrast",
    "pairs": "contrast",
    "extract": "extract",
    "AurocCI": "metrics",
    "auroc": "metrics",
    "auroc_ci": "metrics",
    "cohens_d": "metrics",
    "Projection": "monitor",
    "annotate_rows": "monitor",
    "project": "monitor",
    "projection_statistics": "monitor",
    "projection_means": "monitor",
    "ScreenRow": "screen",
    "screen": "screen",
    "screen_engine": "screen",
    "flag_top": "screen",
    "threshold": "screen",
    "SteerSpec": "spec",
    "Steering": "steer",
    "steer_engine": "steer",
    "steering_for": "steer",
    "TraitVectors": "store",
    "load": "store",
    "ProjectionMonitor": "training",
    "SteeringCallback": "training",
    "decoder_layers": "layers",
}
__all__ = sorted(_EXPORTS)


__getattr__ = lazy.exports(__name__, _EXPORTS)
