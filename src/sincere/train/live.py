"""The model being trained, as an hf engine for the monitor: live weights, eval mode while generating.

`HFEngine.from_loaded` reuses every generation path of the engine (chat template, length-sorted
batches, the lean decode loop or `model.generate`) on the model in memory. A PEFT model is
unwrapped to its base model with the adapters injected, which the lean decode loop supports.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sincere.engines.hf import HFEngine
from sincere.vectors.layers import unwrap


def live_engine(model: Any, tokenizer: Any, *, batch_size: int | None = None) -> HFEngine:
    """An engine on the live weights of `model` (never cache its generations: the weights change)."""
    return HFEngine.from_loaded(unwrap(model), tokenizer, name="live", batch_size=batch_size)


@contextmanager
def evaluating(engine: HFEngine) -> Iterator[HFEngine]:
    """Eval mode while the engine generates; the model's previous mode afterwards."""
    was_training = engine.model.training
    engine.model.eval()
    try:
        yield engine
    finally:
        if was_training:
            engine.model.train()
