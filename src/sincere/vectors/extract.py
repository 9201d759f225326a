"""Extract a trait direction per layer: difference of mean response activations, positive minus negative.

The layer is chosen by held-out separation: the pairs of a seeded share of the items are held
out, directions are fitted on the rest, and each layer is scored by how well the projection on
its direction separates the held-out positive from negative replies (Cohen's d, with the AUROC
reported beside it). The saved directions are then refitted on all pairs.

Templates separate at almost every layer, so when the model's own graded replies to the same
prompts are given (`own=`), the layer and the data the direction is built from are chosen by
cross-validated AUROC on those replies instead (`sincere.vectors.onpolicy`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from sincere.errors import SincereError
from sincere.vectors import onpolicy
from sincere.vectors.activations import BATCH_TOKENS, collect, collect_windows, projections
from sincere.vectors.contrast import TEMPLATES_VERSION, Pair
from sincere.vectors.metrics import auroc, cohens_d
from sincere.vectors.onpolicy import Graded, OwnReplies
from sincere.vectors.store import TraitVectors


@dataclass(frozen=True)
class LayerReport:
    """One layer: the direction's norm and its held-out separation (AUROC and Cohen's d)."""

    layer: int
    norm: float
    auroc: float | None
    d: float | None


def difference_of_means(positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """Mean of `positive` minus mean of `negative` over rows (NaN rows skipped): `[n, L, H]` -> `[L, H]`."""
    return positive.nanmean(0) - negative.nanmean(0)


def held_out(item_ids: Sequence[str], share: float, seed: int) -> np.ndarray:
    """A boolean mask of the rows whose item falls in the held-out share (a salted hash of its id)."""
    if not 0 < share < 1:
        raise SincereError(f"the held-out share must be in (0, 1), got {share}")
    def fraction(item_id: str) -> float:
        digest = hashlib.sha256(f"{seed}:holdout:{item_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64
    return np.array([fraction(i) < share for i in item_ids])


def separation(
    positive: torch.Tensor, negative: torch.Tensor, mask: np.ndarray
) -> tuple[torch.Tensor, list[LayerReport]]:
    """Directions fitted on the rows outside `mask`, scored per layer on the rows inside it."""
    fit = torch.from_numpy(~mask)
    test = torch.from_numpy(mask)
    if fit.sum() < 2 or test.sum() < 2:
        raise SincereError(f"need at least 2 fit and 2 held-out pairs; have {int(fit.sum())} and {int(test.sum())}")
    directions = difference_of_means(positive[fit], negative[fit])
    pos, neg = projections(positive[test], directions), projections(negative[test], directions)
    reports = []
    for layer in range(directions.shape[0]):
        scores = torch.cat([pos[:, layer], neg[:, layer]]).tolist()
        labels = [1] * len(pos) + [0] * len(neg)
        reports.append(LayerReport(
            layer, float(directions[layer].norm()), auroc(scores, labels), cohens_d(pos[:, layer], neg[:, layer])
        ))
    return directions, reports


def best_layer(reports: Sequence[LayerReport]) -> int:
    """The layer with the largest held-out Cohen's d (then AUROC)."""
    scored = [r for r in reports if r.d is not None]
    if not scored:
        raise SincereError("no layer separates the held-out pairs (all projections are constant)")
    return max(scored, key=lambda r: (r.d, r.auroc or 0.0)).layer


def extract(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[Pair],
    *,
    trait: str,
    holdout: float = 0.25,
    seed: int = 0,
    provenance: dict[str, Any] | None = None,
    own: Sequence[Graded] | None = None,
    folds: int = 4,
    batch_tokens: int = BATCH_TOKENS,
) -> TraitVectors:
    """Trait directions for every layer from contrastive pairs, and the chosen layer.

    Without `own`, the layer is picked by held-out separation of the templates. With `own` (the
    model's graded replies to the pairs' prompts, any number per pair), the source, layer and
    reply window (`WINDOWS`) are picked by cross-validated AUROC on those replies (see
    `sincere.vectors.onpolicy`).
    """
    if len(pairs) < 4:
        raise SincereError(f"need at least 4 contrastive pairs, got {len(pairs)}")
    prompts = [p.prompt for p in pairs] * 2
    replies = [p.positive for p in pairs] + [p.negative for p in pairs]
    states = collect(model, tokenizer, prompts, replies, batch_tokens=batch_tokens).response
    positive, negative = states[: len(pairs)], states[len(pairs) :]
    mask = held_out([p.item_id for p in pairs], holdout, seed)
    _, reports = separation(positive, negative, mask)
    selection: dict[str, Any] = {"by": "template_held_out_d", "source": "templates"}
    layer = best_layer(reports)
    directions = difference_of_means(positive, negative)
    window = None
    if own is not None:
        directions, layer, selection, window = _select_window_on_own(model, tokenizer, positive, negative, pairs, own,
                                                                     folds, seed, batch_tokens)
    meta = {
        **(provenance or {}),
        "seed": seed,
        "holdout": holdout,
        "templates_version": TEMPLATES_VERSION,
        "n_pairs": len(pairs),
        "n_held_out": int(mask.sum()),
        "item_ids": [p.item_id for p in pairs],
        "held_out_ids": [p.item_id for p, m in zip(pairs, mask, strict=True) if m],
        "conditions": sorted({p.condition for p in pairs}),
        "position": "response_mean" if window is None else f"response_mean_first_{window}",
        "window": window,
        "selection": selection,
        "layers": [asdict(r) | {"norm": float(directions[r.layer].norm())} for r in reports],
    }
    return TraitVectors(trait, directions, layer, meta)


#: Reply windows tried on the model's own replies: a projection averages the first N reply tokens
#: (None: all). A reply usually states its stance early and rambles after, so a short window can
#: track the behaviour better; cross-validation on the own replies decides.
WINDOWS: tuple[int | None, ...] = (None, 8, 16, 32)


def _select_window_on_own(model: Any, tokenizer: Any, positive: torch.Tensor, negative: torch.Tensor,
                          pairs: Sequence[Pair], own: Sequence[Graded], folds: int, seed: int,
                          batch_tokens: int) -> tuple[torch.Tensor, int, dict[str, Any], int | None]:
    """Directions, layer, selection record and reply window with the best cross-validated AUROC."""
    found = [
        (*_select_on_own(positive, negative, pairs, states, folds, seed), window)
        for window, states in zip(WINDOWS, _own_states(model, tokenizer, pairs, own, batch_tokens), strict=True)
    ]
    directions, layer, selection, window = max(found, key=lambda f: f[2]["cv_auroc"])  # the first of ties
    selection["window"] = window
    selection["cv_auroc_by_window"] = {"all" if w is None else str(w): s["cv_auroc"] for _, _, s, w in found}
    return directions, layer, selection, window


def _own_states(model: Any, tokenizer: Any, pairs: Sequence[Pair], own: Sequence[Graded],
                batch_tokens: int) -> list[OwnReplies]:
    """The labelled own replies' states, one `OwnReplies` per reply window of `WINDOWS` (one forward pass)."""
    if any(not 0 <= g.pair < len(pairs) for g in own):
        raise ValueError(f"an own reply points outside the {len(pairs)} pairs")
    keep = [g for g in own if g.label is not None and g.text]
    found = collect_windows(model, tokenizer, [pairs[g.pair].prompt for g in keep], [g.text for g in keep], WINDOWS,
                            batch_tokens=batch_tokens)
    item_ids, marks = [pairs[g.pair].item_id for g in keep], np.array([g.label == 1 for g in keep])
    return [OwnReplies(item_ids, states.response, marks) for states in found]


def _select_on_own(positive: torch.Tensor, negative: torch.Tensor, pairs: Sequence[Pair], own: OwnReplies, folds: int,
                   seed: int) -> tuple[torch.Tensor, int, dict[str, Any]]:
    """Directions, layer and selection record chosen by cross-validated AUROC on the model's own replies."""
    cv = onpolicy.cross_validate(positive, negative, [p.item_id for p in pairs], own, folds, seed)
    source, layer, value = onpolicy.choose(cv)
    directions = onpolicy.direction(source, positive, negative, own.states, own.labels)
    selection = {
        "by": "own_cv_auroc", "source": source, "cv_auroc": value, "folds": folds,
        "n_own": len(own.item_ids), "n_own_positive": int(own.labels.sum()), "cv": cv,
    }
    return directions, layer, selection
