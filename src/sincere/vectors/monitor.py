"""Monitoring: project responses on a trait direction, and measure how well that predicts the graded behaviour.

Two projections per response, both on the unit direction at one layer:

- `response`: the mean over the response's tokens (what the model said);
- `prompt_last`: the last prompt token (before the model said anything: a forecast).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from scipy.stats import spearmanr

from sincere.engines.base import Conversation
from sincere.errors import SincereError
from sincere.vectors.activations import BATCH_TOKENS, collect
from sincere.vectors.metrics import auroc_ci
from sincere.vectors.store import TraitVectors

#: The graded behaviour each trait's projection should predict (a column of audit rows).
LABELS = {"sycophancy": "sycophancy", "warmth": "warmth"}
#: Labels that are 0/1 (AUROC); others are graded (Spearman's rho).
BINARY = frozenset({"sycophancy", "error", "refusal"})
WHERE = ("response", "prompt_last")


@dataclass(frozen=True)
class Projection:
    """A response's projections on a trait direction; `response` is None for an empty reply."""

    response: float | None
    prompt_last: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def project(
    model: Any,
    tokenizer: Any,
    conversations: Sequence[Conversation],
    responses: Sequence[str],
    vectors: TraitVectors,
    layer: int | None = None,
    *,
    batch_tokens: int = BATCH_TOKENS,
) -> list[Projection]:
    """Projections of each response (and its last prompt token) on the unit direction at `layer`
    (default: the vectors' chosen layer), the response averaged over the vectors' reply window."""
    vectors.check_model(model)
    layer = vectors.check_layer(vectors.layer if layer is None else layer)
    states = collect(model, tokenizer, conversations, responses, layers=[layer], batch_tokens=batch_tokens,
                     window=vectors.window)
    unit = vectors.unit(layer)
    response = (states.at(layer) @ unit).tolist()
    last = (states.at(layer, "prompt_last") @ unit).tolist()
    return [Projection(None if math.isnan(r) else r, p) for r, p in zip(response, last, strict=True)]


def annotate_rows(rows: list[dict[str, Any]], engine: Any, vectors: TraitVectors, layer: int | None = None) -> None:
    """Add `row["projection"]` (trait, layer, response, prompt_last) to audit rows, in place.

    `engine` is a local transformers engine (`HFEngine`, possibly inside `CachedEngine`); rows need
    `messages` and `response`, as `audit.result_row` writes them.
    """
    model, tokenizer = local_model(engine)
    layer = vectors.layer if layer is None else layer
    found = project(model, tokenizer, [r["messages"] for r in rows], [r["response"] for r in rows], vectors, layer)
    for row, projection in zip(rows, found, strict=True):
        row["projection"] = {"trait": vectors.trait, "layer": layer, **projection.as_dict()}


def local_model(engine: Any) -> tuple[Any, Any]:
    """The model and tokenizer of a local engine; SincereError for engines without hidden states."""
    model, tokenizer = getattr(engine, "model", None), getattr(engine, "tokenizer", None)
    if model is None or tokenizer is None or not hasattr(model, "parameters"):
        raise SincereError("activation vectors need a local transformers model (hf engine), not a server")
    return model, tokenizer


def _association(scores: list[Any], labels: list[Any], binary: bool, n_boot: int, seed: int) -> dict[str, Any]:
    """AUROC with a bootstrap CI for 0/1 labels; Spearman's rho for graded ones."""
    if binary:
        return {"metric": "auroc", **auroc_ci(scores, labels, n_boot=n_boot, seed=seed).as_dict()}
    present = [(s, y) for s, y in zip(scores, labels, strict=True) if s is not None and y is not None]
    if len(present) < 3:
        return {"metric": "spearman", "rho": None, "p": None, "n": len(present)}
    rho, p = spearmanr([s for s, _ in present], [y for _, y in present])
    return {"metric": "spearman", "rho": float(rho), "p": float(p), "n": len(present)}


def _block(rows: Sequence[Mapping[str, Any]], label: str, n_boot: int, seed: int) -> dict[str, Any]:
    labels = [r.get(label) for r in rows]
    out: dict[str, Any] = {"n_rows": len(rows)}
    for where in WHERE:
        scores = [r["projection"][where] for r in rows]
        present = [s for s in scores if s is not None]
        out[where] = {
            "mean": sum(present) / len(present) if present else None,
            **_association(scores, labels, label in BINARY, n_boot, seed),
        }
    return out


def projection_statistics(
    rows: Sequence[Mapping[str, Any]], n_boot: int = 2000, seed: int = 0
) -> dict[str, Any] | None:
    """How well projections predict the graded behaviour, per condition and over all conditions
    whose rows carry a label; None when the rows carry no projections."""
    projected = [r for r in rows if r.get("projection")]
    if not projected:
        return None
    trait = projected[0]["projection"]["trait"]
    label = LABELS.get(trait, trait)
    conditions = list(dict.fromkeys(r["condition"] for r in projected))
    labelled = [r for r in projected if r.get(label) is not None]
    return {
        "trait": trait,
        "layer": projected[0]["projection"]["layer"],
        "label": label,
        "by_condition": [
            {"condition": c, **_block([r for r in projected if r["condition"] == c], label, n_boot, seed)}
            for c in conditions
        ],
        "labelled": _block(labelled, label, n_boot, seed),
    }


def projection_means(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """Mean projections over rows annotated by `annotate_rows`, keyed for a training log:
    `projection/<trait>` (response tokens) and `projection/<trait>/prompt_last`."""
    projected = [r["projection"] for r in rows if r.get("projection")]
    if not projected:
        return {}
    trait = projected[0]["trait"]
    out: dict[str, float | None] = {}
    for where, key in (("response", f"projection/{trait}"), ("prompt_last", f"projection/{trait}/prompt_last")):
        values = [p[where] for p in projected if p[where] is not None]
        out[key] = sum(values) / len(values) if values else None
    return out
