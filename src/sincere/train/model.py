"""Loading the model to train: weights' dtype, tokenizer with a chat template, LoRA configuration."""

from __future__ import annotations

import logging
from typing import Any

from sincere.errors import MissingDependency, SincereError
from sincere.train.recipe import Recipe

logger = logging.getLogger(__name__)


def device() -> str:
    """Where training runs: cuda when present, else cpu (MPS is left to accelerate's defaults)."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def weights_dtype(recipe: Recipe) -> Any:
    """bf16 frozen weights for LoRA where the hardware runs bf16 natively; fp32 otherwise (and for full training)."""
    import torch

    from sincere.engines.hf import pick_dtype

    if recipe.dtype == "bf16":
        return torch.bfloat16
    if recipe.dtype == "fp32" or not recipe.lora:
        return torch.float32
    return torch.bfloat16 if pick_dtype(device()) == torch.bfloat16 else torch.float32


def mixed_precision(recipe: Recipe) -> bool:
    """bf16 autocast for full fine-tuning on GPUs that support it (weights stay fp32)."""
    import torch

    return not recipe.lora and torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def load(recipe: Recipe) -> tuple[Any, Any, str]:
    """(model, tokenizer, path) of the recipe's model; embedded names resolve to their local folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sincere.engines.hf import resolve

    path = resolve(recipe.model[3:] if recipe.model.startswith("hf:") else recipe.model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=weights_dtype(recipe))
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SincereError(f"cannot load model {recipe.model!r}: {first}") from exc
    if tokenizer.chat_template is None:
        raise SincereError(f"model {recipe.model!r} has no chat template; train an instruct/chat model")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config.use_cache = False  # training; the monitor's generation passes its own cache
    return model, tokenizer, path


def lora_config(recipe: Recipe) -> Any:
    """The PEFT LoRA configuration, or None for full fine-tuning."""
    if not recipe.lora:
        return None
    try:
        from peft import LoraConfig
    except ImportError as exc:
        raise MissingDependency("peft", "LoRA training") from exc
    targets: str | list[str] = recipe.lora_targets
    if targets != "all-linear":
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    return LoraConfig(r=recipe.lora_r, lora_alpha=recipe.lora_alpha, lora_dropout=recipe.lora_dropout,
                      target_modules=targets, task_type="CAUSAL_LM")


def require_trl() -> None:
    """Fail with the install line when the training extra is missing."""
    import importlib.util

    for package in ("trl", "peft", "accelerate"):
        if importlib.util.find_spec(package) is None:
            raise SincereError(f"sincere train needs {package}: pip install 'sincere[train]'")
