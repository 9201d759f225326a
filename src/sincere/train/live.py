"""An HF engine around a model that is already loaded (the one being trained), for the monitor.

`HFEngine` loads its weights from a name; the monitor needs the live weights instead. This small
subclass reuses every generation path of `HFEngine` (chat template, length-sorted batches, the
lean decode loop or `model.generate`) on a given model and tokenizer. A PEFT model is unwrapped
to its base model with the adapters injected, which the lean decode loop supports; generation
runs in eval mode and the model's training mode is restored afterwards.

(If `HFEngine` gains a constructor from a loaded model, this class can become a call to it.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sincere.engines.hf import HFEngine


def unwrap(model: Any) -> Any:
    """The module that generates: a PEFT model's base model (adapters injected), else the model."""
    get_base = getattr(model, "get_base_model", None)
    return get_base() if callable(get_base) else model


class LiveEngine(HFEngine):
    """Generates with the weights of a model in memory; never cached (the weights change)."""

    def __init__(self, model: Any, tokenizer: Any, *, batch_size: int | None = None, name: str = "live") -> None:
        # Deliberately not calling HFEngine.__init__, which loads weights from disk.
        self.name = name
        self.path = str(getattr(getattr(model, "config", None), "_name_or_path", name))
        self.model = unwrap(model)
        self.tokenizer = tokenizer
        parameter = next(self.model.parameters())
        self.device = parameter.device.type
        self.dtype = parameter.dtype
        self.batch_size = batch_size
        self._decoder: Any = None
        self.fingerprint = f"live:{name}"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    @contextmanager
    def evaluating(self) -> Iterator[LiveEngine]:
        """Eval mode while generating; the previous mode afterwards."""
        was_training = self.model.training
        self.model.eval()
        try:
            yield self
        finally:
            if was_training:
                self.model.train()
