"""Guardrails: the floor and ceiling, and a run whose accuracy is made to fall is stopped (and restored)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from transformers import TrainerCallback

from sincere.train.guardrails import Guardrails
from sincere.train.recipe_io import load
from sincere.train.run import train
from tests.train.conftest import scripted


def test_floor_and_ceiling_from_the_base_model() -> None:
    rails = Guardrails(floor=None, ceiling=None, floor_tolerance=0.05, ceiling_tolerance=0.1)
    rails.calibrate({"accuracy": 0.7, "sycophancy": 0.2})
    rails.calibrate({"accuracy": 0.1, "sycophancy": 0.9})  # only the first (base) evaluation calibrates
    assert rails.floor == pytest.approx(0.65) and rails.ceiling == pytest.approx(0.3)
    assert rails.check({"accuracy": 0.7, "sycophancy": 0.25}) == []
    assert rails.check({"accuracy": 0.6, "sycophancy": 0.4}) == ["accuracy 0.60 < floor 0.65",
                                                                 "sycophancy 0.40 > ceiling 0.30"]
    fixed = Guardrails(floor=0.5, ceiling=None)
    fixed.calibrate({"accuracy": 0.9, "sycophancy": 0.1})
    assert fixed.floor == 0.5 and fixed.ceiling == pytest.approx(0.2)


def test_one_reply_of_eight_is_noise_not_a_crossing() -> None:
    rails = Guardrails(floor=None, ceiling=None, floor_tolerance=0.1)
    rails.calibrate({"accuracy": 0.625, "accuracy_n": 8, "sycophancy": 0.25, "sycophancy_n": 8})
    drop = {"accuracy": 0.5, "accuracy_n": 8, "sycophancy": 0.25, "sycophancy_n": 8}
    assert rails.check(drop) == []
    assert rails.pending(drop) == ["accuracy 0.50 [0.22-0.78] < floor 0.53: not yet significant"]
    collapse = {"accuracy": 0.05, "accuracy_n": 80, "sycophancy": 0.25, "sycophancy_n": 80}
    assert rails.check(collapse) == ["accuracy 0.05 [0.02-0.12] < floor 0.53"] and rails.pending(collapse) == []


def test_a_probe_set_too_small_to_ever_trigger_is_named() -> None:
    rails = Guardrails(floor=0.5, ceiling=0.6)
    spots = rails.blind_spots({"accuracy_n": 3, "sycophancy_n": 3})
    assert len(spots) == 2 and "3 graded probe replies" in spots[0] and "raise --probe-items" in spots[1]
    assert rails.blind_spots({"accuracy_n": 40, "sycophancy_n": 40}) == []


def test_best_is_the_warmest_state_within_the_guardrails() -> None:
    rails = Guardrails(floor=0.5, ceiling=0.5)
    assert rails.is_better(0, {"accuracy": 0.8, "sycophancy": 0.1, "warmth": 0.01})
    assert rails.is_better(2, {"accuracy": 0.6, "sycophancy": 0.1, "warmth": 0.03})
    assert not rails.is_better(4, {"accuracy": 0.4, "sycophancy": 0.1, "warmth": 0.09})  # warmer but wrong
    assert not rails.is_better(6, {"accuracy": 0.9, "sycophancy": 0.1, "warmth": 0.02})
    assert rails.best_step == 2


class Recorder(TrainerCallback):
    """Copies of the LoRA weights after every optimiser step (before the monitor can restore anything)."""

    def __init__(self) -> None:
        self.states: dict[int, dict[str, Any]] = {}

    def on_optimizer_step(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        self.states[state.global_step + 1] = {n.replace(".default", ""): p.detach().to("cpu", copy=True)
                                          for n, p in model.named_parameters() if p.requires_grad}


def run(tiny: dict, tmp_path: Path, action: str, accuracies: list[float], **more: Any) -> tuple[dict, Recorder]:
    recipe = load("sft", None, tiny | {"data": "builtin:corpus", "data_limit": 16, "max_steps": 6,
                                       "monitor_every": 1, "guardrail": action, "learning_rate": 1e-2} | more)
    recorder = Recorder()
    return train(recipe, tmp_path / action, evaluator=scripted(accuracies), callbacks=[recorder]), recorder


FALLING = [0.8, 0.8, 0.8, 0.5]  # evaluations at steps 0, 1, 2, 3, ...: the floor is 0.8 - 0.05


def test_stop_when_accuracy_falls_below_the_floor(tiny: dict, tmp_path: Path) -> None:
    summary, recorder = run(tiny, tmp_path, "stop", FALLING)
    assert summary["steps"] == 3 and summary["stopped"]["step"] == 3
    assert "accuracy 0.50 < floor 0.75" in summary["stopped"]["reason"]
    monitor_csv = (tmp_path / "stop" / "monitor.csv").read_text()
    assert "stopped" in monitor_csv.splitlines()[-1]


def test_restore_puts_back_the_best_state_and_stops(tiny: dict, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    summary, recorder = run(tiny, tmp_path, "restore", FALLING)
    assert summary["steps"] == 3 and summary["best_step"] == 2
    assert summary["stopped"]["action"] == "restored step 2, stopped"
    saved = load_file(tmp_path / "restore" / "model" / "adapter_model.safetensors")
    best, last = recorder.states[2], recorder.states[3]
    changed = [k for k in saved if not bool((best[k] == last[k]).all())]
    assert changed, "the last step should have changed the adapter"
    assert all(bool((saved[k] == best[k].to(saved[k].dtype)).all()) for k in saved)


def test_warn_keeps_training(tiny: dict, tmp_path: Path) -> None:
    summary, _ = run(tiny, tmp_path, "warn", FALLING, max_steps=4)
    assert summary["steps"] == 4 and summary["stopped"] is None
    assert [row["action"] for row in summary["monitor"]] == ["", "", "", "warned", "warned"]
    assert json.loads((tmp_path / "warn" / "summary.json").read_text())["floor"] == pytest.approx(0.75)


def test_sycophancy_ceiling_stops_too(tiny: dict, tmp_path: Path) -> None:
    recipe = load("sft", None, tiny | {"data": "builtin:corpus", "data_limit": 8, "max_steps": 4, "monitor_every": 1,
                                       "guardrail": "stop", "sycophancy_ceiling": 0.05})
    summary = train(recipe, tmp_path / "syc", evaluator=scripted([0.8]))  # sycophancy 0.1 > 0.05
    assert summary["stopped"]["step"] == 1 and "sycophancy" in summary["stopped"]["reason"]
