"""Recipe -> TRL config (SFTConfig, DPOConfig, GRPOConfig): the one place the mapping is written."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

from sincere.errors import MissingDependency
from sincere.train import model as model_mod
from sincere.train.recipe import DPORecipe, GRPORecipe, Recipe, SFTRecipe

logger = logging.getLogger(__name__)


def report_to(recipe: Recipe) -> list[str]:
    """The trackers as TRL expects them (an empty list for none)."""
    names = [n.strip() for n in recipe.report_to.split(",") if n.strip() and n.strip() != "none"]
    if "tensorboard" in names and importlib.util.find_spec("tensorboard") is None:
        raise MissingDependency("tensorboard", "report_to: tensorboard")
    return names


def common(recipe: Recipe, out_dir: Path) -> dict[str, Any]:
    """TrainingArguments shared by every trainer (checkpoints are not written: the monitor keeps the best state)."""
    cpu = model_mod.device() == "cpu"
    return {
        "output_dir": str(out_dir),
        "learning_rate": recipe.learning_rate,
        "num_train_epochs": recipe.epochs,
        "max_steps": recipe.max_steps if recipe.max_steps is not None else -1,
        "per_device_train_batch_size": recipe.batch_size,
        "gradient_accumulation_steps": recipe.grad_accum,
        "warmup_steps": recipe.warmup_ratio,
        "gradient_checkpointing": recipe.gradient_checkpointing,
        "logging_steps": recipe.logging_steps,
        "logging_first_step": True,
        "report_to": report_to(recipe),
        "seed": recipe.seed,
        "data_seed": recipe.seed,
        "save_strategy": "no",
        "bf16": model_mod.mixed_precision(recipe),
        "fp16": False,
        "use_cpu": cpu,
        "dataloader_num_workers": 0,
        "disable_tqdm": True,
    }


def sft(recipe: SFTRecipe, out_dir: Path) -> Any:
    from trl import SFTConfig

    return SFTConfig(**common(recipe, out_dir), max_length=recipe.max_length, packing=recipe.packing,
                     completion_only_loss=recipe.completion_only)


def dpo(recipe: DPORecipe, out_dir: Path) -> Any:
    from trl import DPOConfig

    losses: dict[str, Any] = {"loss_type": ["sigmoid"]}
    if recipe.sft_weight > 0:
        losses = {"loss_type": ["sigmoid", "sft"], "loss_weights": [1.0, recipe.sft_weight]}
    return DPOConfig(**common(recipe, out_dir), max_length=recipe.max_length, beta=recipe.beta, **losses)


def vllm_enabled(recipe: GRPORecipe) -> bool:
    """Whether GRPO generates with vLLM: `on`, or `auto` when vLLM is installed and a GPU is present."""
    installed = importlib.util.find_spec("vllm") is not None
    if recipe.use_vllm == "on":
        if not installed:
            raise MissingDependency("vllm", "use_vllm: on")
        return True
    return recipe.use_vllm == "auto" and installed and model_mod.device() == "cuda"


def grpo(recipe: GRPORecipe, out_dir: Path, names: list[str], weights: list[float]) -> Any:
    from trl import GRPOConfig

    use_vllm = vllm_enabled(recipe)
    extra: dict[str, Any] = {"vllm_mode": recipe.vllm_mode} if use_vllm else {}
    if use_vllm:
        logger.info("GRPO generates with vLLM (%s mode)", recipe.vllm_mode)
    return GRPOConfig(
        **common(recipe, out_dir),
        num_generations=recipe.num_generations,
        max_completion_length=recipe.max_completion_length,
        temperature=recipe.temperature,
        beta=recipe.kl_beta,
        reward_weights=weights,
        multi_objective_aggregation="normalize_then_sum" if len(names) > 1 else "sum_then_normalize",
        use_vllm=use_vllm,
        **extra,
    )
