"""Does the projection predict the behaviour? A small audit with projections, on held-out items.

The model answers the evaluation items (never used for extraction) under false-belief
conditions; the sycophancy grader labels each reply (endorse 1 / correct 0 / unclear None), and
the AUROC of each reply's projection predicting endorsement is reported per condition with a
bootstrap CI. The same rows and statistics as `sincere audit --vectors`.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from sincere import audit
from sincere.vectors.activations import collect, projections
from sincere.vectors.configs import CheckConfig
from sincere.vectors.metrics import auroc
from sincere.vectors.monitor import local_model, projection_statistics
from sincere.vectors.store import TraitVectors


def run_check(engine: Any, vectors: TraitVectors, config: CheckConfig, model: str = "") -> tuple[list[dict], dict]:
    """Generate (cached), grade sycophancy, project; returns the rows and the statistics."""
    from sincere.scoring import factory

    audit_config = config.audit_config(model)
    the_plan = audit.plan(audit_config)
    pairs = audit.generate_samples(the_plan, engine, audit_config)
    scores = audit.score_samples(pairs, [factory.build()["sycophancy"]])
    rows = [audit.result_row(s, g, sc) for (s, g), sc in zip(pairs, scores, strict=True)]
    model, tokenizer = local_model(engine)
    vectors.check_model(model)
    layer = vectors.check_layer(vectors.layer if config.layer is None else config.layer)
    states = collect(model, tokenizer, [r["messages"] for r in rows], [r["response"] for r in rows],
                     window=vectors.window)
    response = projections(states.response, vectors.directions)
    last = projections(states.prompt_last, vectors.directions)
    for k, row in enumerate(rows):
        value = float(response[k, layer])
        row["projection"] = {"trait": vectors.trait, "layer": layer, "response": None if math.isnan(value) else value,
                             "prompt_last": float(last[k, layer])}
    statistics = projection_statistics(rows, config.n_boot, config.seed) or {}
    statistics["layer_sweep"] = layer_sweep(rows, response)
    return rows, statistics


def layer_sweep(rows: list[dict], response: torch.Tensor) -> list[dict[str, Any]]:
    """AUROC of the response projection (`[rows, layers]`) at every layer, over the labelled rows:
    a diagnostic only (the layer is chosen on training items; choosing it here would overfit)."""
    labels = [r.get("sycophancy") for r in rows]
    return [{"layer": layer, "auroc": auroc(response[:, layer].tolist(), labels)} for layer in range(response.shape[1])]
