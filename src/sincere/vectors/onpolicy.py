"""The model's own graded replies to the contrastive prompts: choose the layer (and the data) that track its behaviour.

Template replies separate almost perfectly at nearly every layer, so their held-out separation
says little about which layer follows what the model itself does. Given the model's replies to
the same training prompts, graded by the trait's scorer (sycophancy: endorse 1 / correct 0), each
candidate direction is scored by the cross-validated AUROC of its projection predicting the
label, with folds by item (a prompt's template pair and the model's reply stay in one fold):

- `templates`: difference of means of the template replies;
- `own`: difference of means of the model's endorsing and correcting replies;
- `both`: the two pooled (templates plus own replies on each side);
- `probe`: the weights of a logistic-regression probe fitted on the own replies (standardised,
  strongly L2-regularised, classes balanced), mapped back to the hidden-state space: with
  thousands of graded replies (`--per-item`, `--samples`) it can find the direction along which
  the behaviour varies where a difference of means is swamped by what else the replies differ in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from sincere.engines.base import GenParams
from sincere.errors import SincereError
from sincere.vectors.activations import projections
from sincere.vectors.contrast import Pair
from sincere.vectors.metrics import auroc

SOURCES = ("templates", "own", "both", "probe")
#: Inverse L2 strength of the `probe` source on standardised states (small: many correlated features).
PROBE_C = 1e-3


@dataclass(frozen=True)
class Graded:
    """One of the model's own replies to the prompt of `pairs[pair]`, with its grade (1 / 0 / None = unclear)."""

    pair: int
    text: str
    label: float | None


@dataclass(frozen=True)
class OwnReplies:
    """Response activations `[n, layers, hidden]` of the model's labelled replies, with their items."""

    item_ids: list[str]
    states: torch.Tensor
    labels: np.ndarray  # bool: True = trait-positive behaviour (e.g. endorsed the false belief)


def graded_replies(engine: Any, pairs: Sequence[Pair], params: GenParams, samples: int = 1,
                   temperature: float = 0.7) -> list[Graded]:
    """The model's replies to the pairs' prompts (through the engine's cache), graded for sycophancy.

    The first reply to each prompt is decoded with `params`; each of the other `samples - 1` is
    sampled at `temperature` with its own seed, so one prompt can yield both an endorsing and a
    correcting reply: a contrast in which only the model's behaviour differs.
    """
    from sincere.scoring import factory

    if any(p.sample is None for p in pairs):
        raise SincereError("grading the model's own replies needs pairs built by `contrast.pairs`")
    if samples < 1 or (samples > 1 and temperature <= 0):
        raise SincereError(f"need samples >= 1 and a temperature > 0 to sample; got {samples} and {temperature}")
    prompts = [p.prompt for p in pairs]
    runs = [params] + [replace(params, temperature=temperature, seed=params.seed + k) for k in range(1, samples)]
    texts = [g.text for run in runs for g in engine.generate(prompts, run)]
    scores = factory.build()["sycophancy"].score_batch([p.sample for p in pairs] * samples, texts)  # type: ignore[misc]
    return [Graded(k % len(pairs), text, s.value) for k, (text, s) in enumerate(zip(texts, scores, strict=True))]


def folds_of(item_ids: Sequence[str], folds: int, seed: int) -> np.ndarray:
    """The fold of each row: a salted hash of its item id."""
    return np.array([
        int.from_bytes(hashlib.sha256(f"{seed}:fold:{i}".encode()).digest()[:8], "big") % folds for i in item_ids
    ])


def direction(source: str, positive: torch.Tensor, negative: torch.Tensor, own: torch.Tensor,
              labels: np.ndarray) -> torch.Tensor:
    """The `[layers, hidden]` difference of means for one source (see the module docstring)."""
    mine = torch.from_numpy(labels)
    if source == "probe":
        return torch.stack([probe(own[:, layer], labels) for layer in range(own.shape[1])])
    if source == "own":
        positive, negative = own[mine], own[~mine]
    elif source == "both":
        positive, negative = torch.cat([positive, own[mine]]), torch.cat([negative, own[~mine]])
    elif source != "templates":
        raise SincereError(f"unknown direction source {source!r}; choose from {', '.join(SOURCES)}")
    return positive.nanmean(0) - negative.nanmean(0)


def probe(states: torch.Tensor, labels: np.ndarray) -> torch.Tensor:
    """The `[hidden]` direction of a logistic-regression probe of `labels` on `[n, hidden]` states."""
    from sklearn.linear_model import LogisticRegression

    x = states.double().numpy()
    mean, scale = x.mean(0), x.std(0) + 1e-6
    fitted = LogisticRegression(C=PROBE_C, class_weight="balanced", max_iter=1000).fit((x - mean) / scale, labels)
    return torch.from_numpy(fitted.coef_[0] / scale).float()


def cross_validate(
    positive: torch.Tensor, negative: torch.Tensor, pair_ids: Sequence[str], own: OwnReplies,
    folds: int = 4, seed: int = 0,
) -> dict[str, list[float | None]]:
    """Per source, the out-of-fold AUROC at every layer of the projection predicting `own.labels`."""

    pair_fold, own_fold = folds_of(pair_ids, folds, seed), folds_of(own.item_ids, folds, seed)
    out: dict[str, list[float | None]] = {}
    for source in SOURCES:
        scores = torch.full(own.states.shape[:2], float("nan"))
        for fold in range(folds):
            fit, test = own_fold != fold, own_fold == fold
            if not test.any() or (source != "templates" and len(set(own.labels[fit])) < 2):
                continue
            keep = torch.from_numpy(pair_fold != fold)
            found = direction(source, positive[keep], negative[keep], own.states[torch.from_numpy(fit)],
                              own.labels[fit])
            scores[torch.from_numpy(test)] = projections(own.states[torch.from_numpy(test)], found)
        labels = own.labels.astype(float).tolist()
        out[source] = [auroc(scores[:, layer].tolist(), labels) for layer in range(scores.shape[1])]
    return out


def choose(cv: dict[str, list[float | None]]) -> tuple[str, int, float]:
    """The (source, layer) with the best cross-validated AUROC (ties go to the earlier source)."""
    best = max(
        ((value, -SOURCES.index(source), layer, source) for source, values in cv.items()
         for layer, value in enumerate(values) if value is not None),
        default=None,
    )
    if best is None:
        raise SincereError("the model's own replies have only one label; cannot cross-validate")
    return best[3], best[2], best[0]
