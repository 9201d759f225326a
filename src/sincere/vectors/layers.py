"""Find a causal LM's decoder layers (also inside PEFT/LoRA wrappers) and read or replace their output.

"Layer l" everywhere in `sincere.vectors` means the residual stream *after* decoder layer l
(0-based): what a forward hook on `layers[l]` sees, and what a steering hook changes.
"""

from __future__ import annotations

from typing import Any

import torch

from sincere.errors import SincereError

#: Attribute paths of the decoder layer list in common architectures, tried in order.
LAYER_PATHS = (
    "model.layers",  # Llama, Mistral, Qwen, Phi-3, Gemma
    "model.language_model.layers",  # multimodal wrappers
    "model.decoder.layers",  # OPT
    "transformer.h",  # GPT-2, GPT-J, Falcon
    "gpt_neox.layers",  # Pythia
    "layers",
)


def _walk(root: Any, path: str) -> Any:
    for name in path.split("."):
        root = getattr(root, name, None)
        if root is None:
            return None
    return root


def unwrap(model: Any) -> Any:
    """The transformers model inside a PEFT wrapper (or the model itself)."""
    getter = getattr(model, "get_base_model", None)
    return getter() if callable(getter) else model


def decoder_layers(model: Any) -> torch.nn.ModuleList:
    """The decoder layers of a causal LM, found through PEFT wrappers; SincereError when none."""
    base = unwrap(model)
    for path in LAYER_PATHS:
        found = _walk(base, path)
        if isinstance(found, torch.nn.ModuleList) and len(found):
            return found
    lists = [m for name, m in base.named_modules() if isinstance(m, torch.nn.ModuleList) and name.endswith("layers")]
    if lists:
        return max(lists, key=len)
    raise SincereError(f"cannot find the decoder layers of {type(base).__name__}; tried {', '.join(LAYER_PATHS)}")


def hidden_of(output: Any) -> torch.Tensor:
    """The hidden states in a decoder layer's output (a tensor, or the first element of a tuple)."""
    return output[0] if isinstance(output, tuple | list) else output


def with_hidden(output: Any, hidden: torch.Tensor) -> Any:
    """The layer output with its hidden states replaced, in the same shape (tensor or tuple)."""
    if isinstance(output, tuple | list):
        return type(output)((hidden, *output[1:]))
    return hidden


def model_device(model: Any) -> torch.device:
    """The device of the model's first parameter."""
    return next(model.parameters()).device
