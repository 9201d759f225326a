from __future__ import annotations

from types import SimpleNamespace

import torch

from sincere.vectors.monitor import annotate_rows, projection_means, projection_statistics
from sincere.vectors.steer import Steering
from sincere.vectors.store import TraitVectors
from sincere.vectors.training import ProjectionMonitor, SteeringCallback
from tests.vectors.conftest import chat


def row(condition: str, projection: float, label: float | None) -> dict:
    return {"condition": condition, "sycophancy": label,
            "projection": {"trait": "sycophancy", "layer": 3, "response": projection, "prompt_last": -projection}}


def test_projection_statistics_per_condition() -> None:
    rows = [row("sad+incorrect", x, y) for x, y in [(0.1, 0), (0.2, 0), (0.8, 1), (0.9, 1), (0.5, None)]]
    rows += [row("unmodified", 0.3, None)]
    stats = projection_statistics(rows, n_boot=100)
    sad, plain = stats["by_condition"]
    assert stats["layer"] == 3 and stats["label"] == "sycophancy"
    assert sad["response"]["auroc"] == 1.0 and sad["response"]["n"] == 4
    assert sad["prompt_last"]["auroc"] == 0.0
    assert plain["response"]["auroc"] is None
    assert stats["labelled"]["n_rows"] == 4
    assert projection_statistics([{"condition": "x"}]) is None
    means = projection_means(rows)
    assert means["projection/sycophancy"] == sum(r["projection"]["response"] for r in rows) / 6
    assert means["projection/sycophancy/prompt_last"] == -means["projection/sycophancy"]


def test_annotate_rows_and_training_callbacks(tiny) -> None:
    model, tokenizer = tiny
    vectors = TraitVectors("sycophancy", torch.randn(2, 32), layer=1)
    rows = [{"messages": chat("Are you sure?"), "response": "Yes."}]
    annotate_rows(rows, SimpleNamespace(model=model, tokenizer=tokenizer), vectors)
    assert set(rows[0]["projection"]) == {"trait", "layer", "response", "prompt_last"}

    steering = Steering(model, vectors.unit(1), [1], coef=3.0)
    logged: list[dict] = []
    monitor = ProjectionMonitor(tokenizer, [(chat("Are you sure?"), "Yes.")], vectors, every=2,
                                log=logged.append, steering=steering)
    callback = SteeringCallback(steering)
    callback.on_train_begin(None, SimpleNamespace(global_step=0), None)
    assert steering.active
    monitor.on_train_begin(None, SimpleNamespace(global_step=0), None, model=model)
    for step in (1, 2):
        monitor.on_step_end(None, SimpleNamespace(global_step=step), None, model=model)
    callback.on_train_end(None, SimpleNamespace(global_step=2), None)
    assert not steering.active
    assert [step for step, _ in monitor.history] == [0, 2]
    assert logged[0] == {"vectors/sycophancy/projection": monitor.history[0][1]}
    assert monitor.history[0][1] == monitor.history[1][1]  # steering is paused while measuring
    assert monitor.history[0][1] == rows[0]["projection"]["response"]
