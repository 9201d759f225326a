"""Recipes: one dataclass per trainer whose fields are the YAML keys and the CLI flags.

Each field is a `settings.setting` (its help text written once, in the field's metadata);
`sincere train sft --help` shows it, and `recipe_io` reads YAML into these classes (unknown keys
are errors that name the key). Cross-field checks live in `__post_init__` and say how to fix
the recipe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from sincere.engines.base import MAX_NEW_TOKENS, MAX_SEED
from sincere.errors import SincereError
from sincere.settings import ConfigError, setting

Trainer = Literal["sft", "dpo", "grpo"]
REWARDS = ("correctness", "non_sycophancy", "warmth", "sociot")


class RecipeError(ConfigError):
    """A recipe that cannot run; the message names the field and how to fix it."""


_f = setting


@dataclass
class Recipe:
    """Settings every trainer shares: model, data, LoRA, optimisation, monitor and guardrails."""

    # model and data
    model: str = _f("smollm2-135m", "Model to train: 'smollm2-135m' (embedded), a Hugging Face id or a directory.")
    data: str | None = _f(None, "Training conversations: a JSONL/JSON file, hf:NAME[:CONFIG][:SPLIT] or "
                          "builtin:corpus ('none': no conversations).")
    restyle: Literal["none", "warm", "cold"] = _f("none", "Restyle every assistant turn of --data with the rule-based "
                                                  "restyler (sincere data rewrite without a teacher).")
    data_limit: int | None = _f(None, "Use a seeded sample of at most this many --data examples.")
    augment_suite: str | None = _f(None, "Built-in suites whose TRAINING-split items are turned into adversarial "
                                   "examples (e.g. builtin, or trivia,medical); 'none': no augmentation.")
    augment_limit: int | None = _f(None, "Augment a seeded sample of at most this many items.")
    augment_conditions: str = _f("quick", "Conditions applied to the items (a preset or a list such as "
                                 "unmodified,sad+incorrect,unmodified+pushback).")
    augment_per_item: int | None = _f(2, "Conditions sampled per item ('none': every condition).")
    augment_synthetic: int = _f(1, "Synthetic agree/disagree claims per item (Wei et al., 2023); 0 for none.")
    # parameters trained
    lora: bool = _f(True, "Train LoRA adapters (--no-lora: full fine-tuning).")
    lora_r: int = _f(8, "LoRA rank.")
    lora_alpha: int = _f(16, "LoRA alpha (scale = alpha / r).")
    lora_dropout: float = _f(0.1, "LoRA dropout.")
    lora_targets: str = _f("all-linear", "Modules given adapters: all-linear or a comma-separated list of names.")
    dtype: Literal["auto", "bf16", "fp32"] = _f("auto", "Weights' dtype. auto: bf16 frozen weights where the "
                                                "hardware runs bf16 natively (LoRA adapters stay fp32), else fp32.")
    # optimisation
    learning_rate: float = _f(2e-4, "Peak learning rate.")
    epochs: float = _f(1.0, "Passes over the training data (ignored when --max-steps is set).")
    max_steps: int | None = _f(None, "Stop after this many optimiser steps ('none': --epochs decides).")
    batch_size: int = _f(4, "Examples per device per step.")
    grad_accum: int = _f(1, "Gradient accumulation steps (effective batch = batch_size x grad_accum x devices).")
    max_length: int = _f(512, "Longest tokenised example (SFT, DPO); longer ones are truncated.")
    warmup_ratio: float = _f(0.0, "Share of the steps spent warming the learning rate up.")
    gradient_checkpointing: bool = _f(False, "Recompute activations in the backward pass (saves memory, costs time).")
    seed: int = _f(0, "Seed for data sampling, initialisation and generation.")
    logging_steps: int = _f(1, "Log training metrics every this many steps.")
    report_to: str = _f("none", "Trackers, comma-separated: tensorboard, wandb, mlflow, trackio, or none.")
    merge: bool = _f(False, "Also write merged/ (LoRA folded into the weights, fp32) for serving, e.g. with vLLM.")
    # monitor: a mini-audit on held-out items every N steps
    monitor_every: int = _f(0, "Mini-audit the model every this many steps (and before training); 0: no monitor.")
    probe_suite: str = _f("builtin", "Suite of the monitor's probe items (evaluation split, never trained on).")
    probe_items: int = _f(12, "Probe items (a seeded sample of --probe-suite, fixed for the whole run).")
    probe_conditions: str = _f("unmodified,sad+incorrect", "Conditions of the probe set.")
    probe_exclude: str | None = _f(None, "An audit run folder whose items the probe set leaves out, so that a later "
                                   "audit on them is free of the monitor's best-state selection.")
    probe_max_new_tokens: int = _f(64, "Longest reply generated per probe.")
    grader: str = _f("default", "Correctness grader: default (lexical, stance model and MiniLM, as the audit), "
                     "lexical, or judge:MODEL.")
    warmth: str = _f("tone", "Warmth measures: tone (1-7 rating of the reply's tone), sociot or sociot:MODEL (the "
                     "study's SocioT ratio), tone,sociot, or none.")
    warmth_frames: int = _f(2, "SocioT: warm and cold frames each (1-4).")
    # activation vectors (sincere vectors extract)
    steer: str | None = _f(None, "Preventative steering while training: FILE[:LAYER[:COEF]] adds COEF x the trait's "
                           "unit direction after LAYER (integers joined by commas, or best: the file's layer; "
                           "default best:4), or projects it out with COEF ablate. The hooks are off while the "
                           "monitor evaluates and removed before the model is saved.")
    vectors: str | None = _f(None, "Vectors file whose trait the monitor projects its probe replies on at each "
                             "evaluation (logged as monitor/projection; 'none': the --steer file, if any).")
    # guardrails
    guardrail: Literal["off", "warn", "stop", "restore"] = _f(
        "warn", "When probe accuracy falls below the floor or sycophancy rises above the ceiling: warn, stop, or "
        "stop and restore the best state seen (restore).")
    accuracy_floor: float | None = _f(None, "Probe accuracy floor ('none': the base model's probe accuracy minus "
                                      "--floor-tolerance).")
    floor_tolerance: float = _f(0.05, "Accuracy the run may lose before the automatic floor is crossed.")
    sycophancy_ceiling: float | None = _f(None, "Probe sycophancy ceiling ('none': the base model's plus "
                                          "--sycophancy-tolerance).")
    sycophancy_tolerance: float = _f(0.10, "Sycophancy the run may gain before the automatic ceiling is crossed.")
    keep: Literal["last", "best"] = _f("last", "Weights written at the end: the last, or the best monitored state "
                                       "(the warmest that kept the floor and ceiling).")

    trainer: Trainer = field(default="sft", init=False, metadata={"help": "", "cli": False})

    def __post_init__(self) -> None:
        self._check_ranges()
        self._check_monitor()
        self._check_vectors()

    def _check_ranges(self) -> None:
        positive = ("lora_r", "lora_alpha", "batch_size", "grad_accum", "max_length", "logging_steps", "probe_items",
                    "probe_max_new_tokens")
        for name in positive:
            if getattr(self, name) < 1:
                raise RecipeError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("data_limit", "augment_limit", "augment_per_item", "max_steps"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise RecipeError(f"{name} must be at least 1 or none, got {value}")
        for name in ("lora_dropout", "warmup_ratio", "floor_tolerance", "sycophancy_tolerance"):
            _unit(name, getattr(self, name))
        for name in ("accuracy_floor", "sycophancy_ceiling"):
            if getattr(self, name) is not None:
                _unit(name, getattr(self, name))
        self._check_numbers()

    def _check_numbers(self) -> None:
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise RecipeError(f"learning_rate must be a positive number, got {self.learning_rate}")
        if self.epochs <= 0:
            raise RecipeError(f"epochs must be positive, got {self.epochs}")
        if not 1 <= self.warmth_frames <= 4:
            raise RecipeError(f"warmth_frames must be 1..4, got {self.warmth_frames}")
        if self.augment_synthetic < 0 or self.monitor_every < 0:
            raise RecipeError("augment_synthetic and monitor_every must be 0 or more")
        if not 0 <= self.seed <= MAX_SEED:
            raise RecipeError(f"seed must be between 0 and {MAX_SEED:,}, got {self.seed}")
        if self.probe_max_new_tokens > MAX_NEW_TOKENS:
            raise RecipeError(f"probe_max_new_tokens must be at most {MAX_NEW_TOKENS:,}, "
                              f"got {self.probe_max_new_tokens}")
        if not (self.grader in ("default", "lexical") or self.grader.startswith("judge:") and self.grader[6:]):
            raise RecipeError(f"grader must be default, lexical or judge:MODEL, got {self.grader!r}")

    def _check_monitor(self) -> None:
        if self.monitor_every == 0 and (self.guardrail in ("stop", "restore") or self.keep == "best"):
            raise RecipeError(f"guardrail {self.guardrail!r} and keep {self.keep!r} need the monitor: "
                              "set monitor_every (e.g. 10), or guardrail: warn and keep: last")

    def _check_vectors(self) -> None:
        if self.vectors and self.monitor_every == 0:
            raise RecipeError("vectors is projected on by the monitor: set monitor_every (e.g. 10), or drop vectors")
        if self.steer:
            from sincere.vectors.spec import SteerSpec

            try:
                SteerSpec.parse(self.steer)
            except SincereError as exc:
                raise RecipeError(str(exc)) from None

    def sources(self) -> bool:
        """Whether the recipe names any training data."""
        return bool(self.data) or bool(self.augment_suite)


def _unit(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise RecipeError(f"{name} must be between 0 and 1, got {value}")


@dataclass
class SFTRecipe(Recipe):
    """Supervised fine-tuning on conversations (TRL SFTTrainer)."""

    completion_only: bool = _f(True, "Train on the last assistant turn only (--no-completion-only: every token).")
    packing: bool = _f(False, "Pack several short examples into one sequence.")

    trainer: Trainer = field(default="sft", init=False, metadata={"help": "", "cli": False})

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.sources():
            raise RecipeError("an SFT recipe needs data (e.g. data: builtin:corpus) or augment_suite (e.g. builtin)")


@dataclass
class DPORecipe(Recipe):
    """Preference optimisation (TRL DPOTrainer): chosen vs rejected replies."""

    beta: float = _f(0.1, "DPO temperature: how far the policy may move from the reference.")
    sft_weight: float = _f(0.0, "Weight of an extra NLL loss on the chosen replies (RPO); 0: plain DPO.")
    learning_rate: float = _f(5e-5, "Peak learning rate.")

    trainer: Trainer = field(default="dpo", init=False, metadata={"help": "", "cli": False})

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.sources():
            raise RecipeError("a DPO recipe needs preference data: data (a chosen/rejected file, or conversations "
                              "with restyle: warm, paired with their originals) or augment_suite")
        if self.beta <= 0 or self.sft_weight < 0:
            raise RecipeError("beta must be positive and sft_weight at least 0")


@dataclass
class GRPORecipe(Recipe):
    """Reinforcement learning from the scorers (TRL GRPOTrainer), weighted or constrained."""

    augment_suite: str | None = _f("builtin", "Built-in suites whose TRAINING-split items, under "
                                   "--augment-conditions, are the prompts (rewards need their answers).")
    augment_synthetic: int = _f(0, "Synthetic agree/disagree claims per item (Wei et al., 2023); 0 for none.")
    learning_rate: float = _f(5e-5, "Peak learning rate.")
    weights: dict[str, float] = _f({"correctness": 1.0, "non_sycophancy": 1.0, "warmth": 1.0},
                                   "Rewards and their weights, e.g. correctness=1,non_sycophancy=1,warmth=0.5 "
                                   "(constrained: correctness's weight comes from the multiplier).")
    objective: Literal["weighted", "constrained"] = _f(
        "weighted", "weighted: maximise the weighted sum; constrained: maximise the other rewards subject to "
        "accuracy >= the floor, with a Lagrange multiplier on correctness (PPO-Lagrangian).")
    constraint_on: Literal["probes", "rollouts"] = _f(
        "probes", "Accuracy the multiplier tracks (and the automatic floor is measured on): the monitor's probe set, "
        "or the training rollouts' correctness reward.")
    lagrange_init: float = _f(1.0, "Initial multiplier.")
    lagrange_lr: float = _f(0.5, "Multiplier step per unit of accuracy below the floor, per training step.")
    lagrange_max: float = _f(10.0, "Largest multiplier (clamp).")
    lagrange_delay: int = _f(0, "Steps before the multiplier starts moving (with rollouts: the automatic floor "
                             "is measured over them).")
    lagrange_window: int = _f(4, "Accuracy estimates averaged: training steps (rollouts) or probe evaluations.")
    num_generations: int = _f(4, "Completions sampled per prompt (the group GRPO compares).")
    max_completion_length: int = _f(64, "Longest completion sampled.")
    temperature: float = _f(1.0, "Sampling temperature of the rollouts.")
    kl_beta: float = _f(0.0, "KL penalty to the reference model (0: no reference model is kept).")
    use_vllm: Literal["auto", "on", "off"] = _f("auto", "Generate rollouts with vLLM: auto (when installed and a GPU "
                                                "is present), on, off.")
    vllm_mode: Literal["colocate", "server"] = _f("colocate", "vLLM in the training process (colocate) or a "
                                                  "`trl vllm-serve` server.")

    trainer: Trainer = field(default="grpo", init=False, metadata={"help": "", "cli": False})

    def __post_init__(self) -> None:
        super().__post_init__()
        self._check_rewards()
        if not self.augment_suite:
            raise RecipeError("a GRPO recipe needs augment_suite (items whose answers the rewards check), e.g. builtin")
        if self.num_generations < 2 or self.max_completion_length < 1 or self.temperature <= 0:
            raise RecipeError("num_generations must be at least 2, max_completion_length at least 1, temperature > 0")
        if (self.batch_size * self.grad_accum) % self.num_generations:
            raise RecipeError(f"batch_size x grad_accum ({self.batch_size * self.grad_accum}) must be a multiple of "
                              f"num_generations ({self.num_generations})")

    def _check_rewards(self) -> None:
        unknown = set(self.weights) - set(REWARDS)
        if unknown:
            raise RecipeError(f"unknown reward(s) {sorted(unknown)} in weights; choose from {', '.join(REWARDS)}")
        if not self.weights:
            raise RecipeError("weights needs at least one reward, e.g. correctness=1,warmth=1")
        from sincere.scoring.factory import measure_names

        try:
            measures = measure_names(self.warmth)
        except SincereError as exc:
            raise RecipeError(str(exc)) from None
        for reward, spec in (("warmth", "tone"), ("sociot", "sociot")):
            if reward in self.weights and reward not in measures:
                raise RecipeError(f"the {reward} reward needs warmth: {spec} (or tone,sociot); drop {reward} "
                                  "from weights or set warmth")
        if self.objective != "constrained":
            return
        if "correctness" not in self.weights or len(self.weights) < 2:
            raise RecipeError("constrained needs correctness (the constraint) and another reward in weights, "
                              "e.g. correctness=1,warmth=1")
        if self.constraint_on == "probes" and self.monitor_every == 0:
            raise RecipeError("constraint_on: probes needs the monitor: set monitor_every (e.g. 5), or use "
                              "constraint_on: rollouts")
        if self.constraint_on == "rollouts" and self.accuracy_floor is None and self.lagrange_delay < 1:
            raise RecipeError("constraint_on: rollouts with an automatic floor measures the base accuracy over the "
                              "first lagrange_delay steps: set lagrange_delay (e.g. 4) or accuracy_floor")
        if self.lagrange_lr < 0 or not 0 <= self.lagrange_init <= self.lagrange_max:
            raise RecipeError("need lagrange_lr >= 0 and 0 <= lagrange_init <= lagrange_max")
        if self.lagrange_window < 1 or self.lagrange_delay < 0:
            raise RecipeError("lagrange_window must be at least 1 and lagrange_delay at least 0")


RECIPES: dict[str, type[Recipe]] = {"sft": SFTRecipe, "dpo": DPORecipe, "grpo": GRPORecipe}
