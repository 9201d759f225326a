"""A training run: recipe -> data -> TRL trainer (+ rewards, constraint, monitor) -> run folder.

The run folder holds:

- `model/`: the LoRA adapter with the tokenizer (loadable by `sincere audit -m OUT/model`, which
  loads the base model and the adapter), or the whole model after full fine-tuning;
- `merged/` (with `merge: true`): the adapter folded into fp32 weights, for serving;
- `recipe.yaml` (the recipe used, every field), `metrics.csv` (every logged value, one row per
  log), `monitor.csv` (one row per probe evaluation), `summary.json`, `report.html` and
  `report.md` with the monitor's trajectory (`trajectory.png`, `trajectory.svg`);
- `runs/`: TensorBoard event files when `report_to` includes tensorboard.

With `steer`, the steering hooks act during training only (`train/steering.py`); with `vectors`
(or `steer`) and the monitor, monitor.csv has a `projection` column.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sincere import jsonl
from sincere.errors import SincereError
from sincere.train import datasets
from sincere.train import model as model_mod
from sincere.train.recipe import Recipe
from sincere.train.recipe_io import dump
from sincere.train.steering import RunVectors, paused, with_projection

logger = logging.getLogger(__name__)


def is_main_process() -> bool:
    """True in the process that writes the run folder (rank 0 under accelerate, torchrun or MPI)."""
    for name in ("RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name]) == 0
    return True


def prepare(out_dir: Path) -> Path:
    """A new or empty run folder (an existing run is never overwritten); other processes only use it."""
    out_dir = Path(out_dir)
    if not is_main_process():
        return out_dir
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise SincereError(f"{out_dir} exists and is not empty; choose another --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def _monitor(recipe: Recipe, scorers: dict[str, Any] | None, out_dir: Path, evaluator: Any,
             controller: Any, vectors: RunVectors, steering: Any) -> Any:
    """The monitor callback, or None when the recipe does not monitor.

    With vectors, the probe evaluation adds the projection of the replies it generated; with
    steering, the hooks are off while the monitor evaluates (it sees the model as it will be used).
    """
    if not recipe.monitor_every:
        return None
    from sincere.train.guardrails import Guardrails
    from sincere.train.monitor import MonitorCallback, probe_evaluator
    from sincere.train.probes import ProbeSet

    probe_items: list[str] = []
    if evaluator is None:
        probes = ProbeSet(recipe, scorers or {})
        evaluator, probe_items = probe_evaluator(probes), probes.item_ids()
        if vectors.monitor is not None:
            evaluator = with_projection(evaluator, probes, vectors.monitor)
    if steering is not None:
        evaluator = paused(evaluator, steering)
    rails = Guardrails(recipe.accuracy_floor, recipe.sycophancy_ceiling, recipe.floor_tolerance,
                       recipe.sycophancy_tolerance)
    hook = None if controller is None else (lambda m, step: controller.observe_probe(m.get("accuracy"), step))
    csv_path = out_dir / "monitor.csv" if is_main_process() else None
    monitor = MonitorCallback(evaluator, recipe.monitor_every, rails, recipe.guardrail, recipe.keep, csv_path,
                              on_metrics=hook)
    monitor.probe_items = probe_items
    return monitor


def _grpo_rewards(recipe: Any, scorers: dict[str, Any]) -> tuple[list[Any], list[float], Any]:
    """(reward functions, initial weights, constraint controller or None) of a GRPO recipe."""
    from sincere.train import rewards as rewards_mod

    names = list(recipe.weights)
    funcs: list[Any] = rewards_mod.build(names, scorers)
    if recipe.objective != "constrained":
        return funcs, [recipe.weights[n] for n in names], None
    from sincere.train.constraint import CONSTRAINED, ConstrainedCorrectness, Controller, Lagrangian

    lag = Lagrangian(floor=recipe.accuracy_floor, lr=recipe.lagrange_lr, lam_max=recipe.lagrange_max,
                     delay=recipe.lagrange_delay, window=recipe.lagrange_window, value=recipe.lagrange_init)
    controller = Controller(lag, names, recipe.weights, recipe.constraint_on, recipe.floor_tolerance)
    index = names.index(CONSTRAINED)
    funcs[index] = ConstrainedCorrectness(funcs[index], controller)
    return funcs, controller.current(), controller


def _trainer(recipe: Recipe, parts: dict[str, Any], out_dir: Path, callbacks: list[Any]) -> Any:
    """The TRL trainer for the recipe."""
    from sincere.train import configs

    common = {"model": parts["model"], "train_dataset": parts["dataset"], "processing_class": parts["tokenizer"],
              "peft_config": model_mod.lora_config(recipe), "callbacks": callbacks}
    if recipe.trainer == "sft":
        from trl import SFTTrainer

        return SFTTrainer(args=configs.sft(recipe, out_dir), **common)  # type: ignore[arg-type]
    if recipe.trainer == "dpo":
        from trl import DPOTrainer

        return DPOTrainer(args=configs.dpo(recipe, out_dir), **common)  # type: ignore[arg-type]
    from trl import GRPOTrainer

    args = configs.grpo(recipe, out_dir, list(recipe.weights), parts["weights"])  # type: ignore[attr-defined]
    return GRPOTrainer(args=args, reward_funcs=parts["rewards"], **common)


def train(recipe: Recipe, out_dir: str | Path, *, evaluator: Any = None,
          callbacks: Sequence[Any] = ()) -> dict[str, Any]:
    """Train by the recipe into a new run folder; returns the summary (also in summary.json).

    Args:
        recipe: the recipe (see `recipe.py`).
        out_dir: the run folder (new or empty).
        evaluator: replaces the probe mini-audit (model, tokenizer) -> metrics (tests script it).
        callbacks: more TrainerCallbacks.
    """
    model_mod.require_trl()
    vectors = RunVectors.load(recipe)  # a missing or invalid vectors file fails before the run folder is made
    out_dir = prepare(Path(out_dir))
    if is_main_process():
        (out_dir / "recipe.yaml").write_text(dump(recipe), encoding="utf-8")
    built = datasets.build(recipe)
    model, tokenizer, path = model_mod.load(recipe)
    steering = _steering(recipe, vectors, model)
    needs_scorers = recipe.trainer == "grpo" or (recipe.monitor_every and evaluator is None)
    scorers = _scorers(recipe) if needs_scorers else None
    parts: dict[str, Any] = {"model": model, "tokenizer": tokenizer, "dataset": built.dataset()}
    controller = None
    if recipe.trainer == "grpo":
        parts["rewards"], parts["weights"], controller = _grpo_rewards(recipe, scorers or {})
    monitor = _monitor(recipe, scorers, out_dir, evaluator, controller, vectors, steering)
    trainer = _trainer(recipe, parts, out_dir, [c for c in (monitor, _steer_callback(steering), *callbacks)
                                                if c is not None])
    if monitor is not None:
        monitor.bind(trainer)
    if controller is not None:
        controller.attach(trainer)
    started = time.time()
    try:
        trainer.train()
    finally:  # SteeringCallback detaches at the end of training; an exception must not leave hooks either
        if steering is not None:
            steering.detach()
    summary = _finish(recipe, trainer, monitor, built, out_dir, path, time.time() - started, vectors.describe())
    _end_distributed()
    return summary


def _steering(recipe: Recipe, vectors: RunVectors, model: Any) -> Any:
    """The recipe's preventative steering (detached), after checking the vectors fit the model."""
    vectors.check_model(model)
    if vectors.steer is None:
        return None
    if recipe.trainer == "grpo":
        from sincere.train.configs import vllm_enabled

        if vllm_enabled(recipe):  # type: ignore[arg-type]
            raise SincereError("steer: the steering hooks do not reach vLLM's rollouts; set use_vllm: off")
    return vectors.steering(model)


def _steer_callback(steering: Any) -> Any:
    """The callback that attaches the hooks when training begins and removes them when it ends (None: no steering)."""
    if steering is None:
        return None
    from sincere.vectors.training import SteeringCallback

    return SteeringCallback(steering)


def _end_distributed() -> None:
    """Wait for every process, then close the process group (left open, gloo may abort a process at exit)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def _scorers(recipe: Recipe) -> dict[str, Any]:
    from sincere.train import scorers

    return scorers.build(recipe)


def _finish(recipe: Recipe, trainer: Any, monitor: Any, built: Any, out_dir: Path, base: str,
            seconds: float, vectors: dict[str, Any]) -> dict[str, Any]:
    """Save the weights, metrics, summary and report (on the main process)."""
    trainer.save_model(str(out_dir / "model"))
    if not trainer.is_world_process_zero():
        return {}
    if recipe.merge and recipe.lora:
        merge(out_dir / "model", out_dir / "merged")
    from sincere.train import report

    report.write_metrics(trainer.state.log_history, out_dir / "metrics.csv")
    summary = {
        "trainer": recipe.trainer, "model": recipe.model, "base_path": base, "data": built.counts,
        "steps": trainer.state.global_step, "seconds": round(seconds, 1),
        "monitor": monitor.history if monitor else [], "stopped": monitor.stopped if monitor else None,
        "best_step": monitor.snapshot.step if monitor else None, "kept": recipe.keep,
        "floor": monitor.rails.floor if monitor else None, "ceiling": monitor.rails.ceiling if monitor else None,
        "probe_items": monitor.probe_items if monitor else [], "train_items": sorted(built.items),
        "vectors": vectors,
    }
    with jsonl.atomic_writer(out_dir / "summary.json") as handle:
        json.dump(summary, handle, indent=1, default=str)
    report.write_report(out_dir, summary, dump(recipe), trainer.state.log_history)
    return summary


def merge(adapter_dir: Path, target: Path) -> None:
    """Fold a LoRA adapter into fp32 weights of its base model and save them (with the tokenizer)."""
    import torch
    from peft import AutoPeftModelForCausalLM
    from transformers import AutoTokenizer

    merged = AutoPeftModelForCausalLM.from_pretrained(str(adapter_dir), dtype=torch.float32).merge_and_unload()
    merged.save_pretrained(str(target))
    AutoTokenizer.from_pretrained(str(adapter_dir)).save_pretrained(str(target))
