"""The training monitor: a mini-audit every N steps, logged through the trainer, with guardrails.

`MonitorCallback` evaluates the model before training (the base model: it sets the automatic
floor and ceiling) and every `every` steps, logs `monitor/accuracy`, `monitor/error`,
`monitor/sycophancy`, `monitor/warmth` (and `monitor/sociot`), `monitor/refusal`, the error per condition (and, with a
recipe's `vectors`, `monitor/projection` and its variants, see `train/steering.py`) through
`trainer.log` (so `report_to` carries them to TensorBoard, W&B or MLflow), appends a row to
monitor.csv, and enforces the guardrail: warn, stop, or restore the best state and stop.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from sincere.train.guardrails import Guardrails, Snapshot

logger = logging.getLogger(__name__)
Evaluator = Callable[[Any, Any], dict[str, Any]]  # (model, tokenizer) -> metrics
#: sociot: with warmth tone,sociot; projection: with `vectors` (see train/steering.py); else empty.
CSV_COLUMNS = ("step", "accuracy", "error", "sycophancy", "warmth", "sociot", "refusal", "projection", "floor",
               "ceiling", "violations", "action", "seconds")


def probe_evaluator(probes: Any, batch_size: int | None = None) -> Evaluator:
    """An evaluator that runs the ProbeSet with the live weights (generation through the hf engine)."""
    from sincere.engines.hf import HFEngine
    from sincere.train.live import evaluating, live_engine

    engines: dict[int, HFEngine] = {}

    def evaluate(model: Any, tokenizer: Any) -> dict[str, Any]:
        if id(model) not in engines:
            engines[id(model)] = live_engine(model, tokenizer, batch_size=batch_size)
        with evaluating(engines[id(model)]) as engine:
            return probes.evaluate(engine)

    return evaluate


class MonitorCallback(TrainerCallback):
    """Mini-audits during training, logged like the trainer's own metrics, with guardrails.

    Args:
        evaluate: (model, tokenizer) -> metrics with at least accuracy, sycophancy and warmth.
        every: evaluate every this many optimiser steps (and before training, and at the end).
        guardrails: the floor and ceiling.
        action: "off", "warn", "stop" or "restore" (restore the best state, then stop).
        keep: "last" or "best": the weights left in the model when training ends.
        csv_path: where to append one row per evaluation (None: no CSV).
        on_metrics: called with (metrics, step) after each evaluation (the constraint's controller).
    """

    def __init__(self, evaluate: Evaluator, every: int, guardrails: Guardrails, action: str = "warn",
                 keep: str = "last", csv_path: Path | None = None,
                 on_metrics: Callable[[dict[str, Any], int], None] | None = None) -> None:
        if every < 1:
            raise ValueError("every must be at least 1")
        self.evaluate, self.every, self.rails = evaluate, every, guardrails
        self.action, self.keep, self.csv_path, self.on_metrics = action, keep, csv_path, on_metrics
        self.snapshot = Snapshot()
        self.history: list[dict[str, Any]] = []
        self.stopped: dict[str, Any] | None = None
        self.trainer: Any = None
        self.probe_items: list[str] = []  # ids of the probe items, for the run's summary
        self._last_step = -1

    def bind(self, trainer: Any) -> MonitorCallback:
        """The trainer whose model is probed and whose `log` carries the metrics."""
        self.trainer = trainer
        return self

    def _model(self) -> Any:
        return self.trainer.accelerator.unwrap_model(self.trainer.model)

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self._run(state.global_step, control, first=True)
        return control

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if state.global_step % self.every == 0:
            self._run(state.global_step, control)
        return control

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if self.stopped is None and state.global_step != self._last_step:
            self._run(state.global_step, control)
        if self.keep == "best" and self.snapshot.step is not None and self.snapshot.step != self._last_step:
            self.snapshot.restore(self._model())
            logger.info("kept the best state (step %s)", self.snapshot.step)
        return control

    def _run(self, step: int, control: Any, first: bool = False) -> None:
        model = self._model()
        metrics = self.evaluate(model, self.trainer.processing_class)
        self._last_step = step
        if first:
            self.rails.calibrate(metrics)
            for spot in self.rails.blind_spots(metrics):
                logger.warning("guardrail: %s", spot)
        violations = self.rails.check(metrics)
        pending = [] if first else self.rails.pending(metrics)
        for note in pending:
            logger.info("guardrail at step %d: %s", step, note)
        if self.rails.is_better(step, metrics) and (self.keep == "best" or self.action == "restore"):
            self.snapshot.take(model, step)
        action = self._act(violations, step, control) if violations and not first else ""
        row = {"step": step, **metrics, "floor": self.rails.floor, "ceiling": self.rails.ceiling,
               "violations": "; ".join(violations + pending), "action": action}
        self.history.append(row)
        self._write_csv(row)
        if self.on_metrics is not None:
            self.on_metrics(metrics, step)
        logs = {f"monitor/{k}": float(v) for k, v in metrics.items() if isinstance(v, int | float)}
        logs |= {"monitor/floor": self.rails.floor, "monitor/ceiling": self.rails.ceiling}
        should_log = control.should_log  # trainer.log resets it; the step's own log must still happen
        self.trainer.log({k: v for k, v in logs.items() if v is not None})
        control.should_log = should_log

    def _act(self, violations: list[str], step: int, control: Any) -> str:
        what = "; ".join(violations)
        if self.action == "off":
            return ""
        if self.action == "warn":
            logger.warning("guardrail at step %d: %s", step, what)
            return "warned"
        if self.action == "restore" and self.snapshot.step is not None:
            self.snapshot.restore(self._model())
            self._last_step = self.snapshot.step
            logger.warning("guardrail at step %d: %s; restored step %d and stopped", step, what, self.snapshot.step)
            done = f"restored step {self.snapshot.step}, stopped"
        else:
            logger.warning("guardrail at step %d: %s; stopped", step, what)
            done = "stopped"
        control.should_training_stop = True
        self.stopped = {"step": step, "reason": what, "action": done}
        return done

    def _write_csv(self, row: dict[str, Any]) -> None:
        if self.csv_path is None:
            return
        new = not self.csv_path.exists()
        with open(self.csv_path, "a", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow({k: _fmt(row.get(k)) for k in CSV_COLUMNS})


def _fmt(value: Any) -> Any:
    return f"{value:.6g}" if isinstance(value, float) else ("" if value is None else value)
