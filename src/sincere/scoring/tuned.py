"""The embedded MiniLM with trained low-rank updates and a linear head: what the stance and tone models share.

A build script (`scripts/build_stance.py`, `scripts/build_tone.py`) trains LoRA factors of MiniLM's
linear layers and a linear head on its mean-pooled tokens, and saves only those (a safetensors
file of well under 1 MB, its training settings in the metadata). Loading merges the factors into
the embedded MiniLM's weights, so scoring runs the plain encoder at full speed. Nothing
downloads at run time.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from sincere.errors import SincereError

logger = logging.getLogger(__name__)

#: MiniLM's linear layers that carry low-rank updates.
TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")
_LOCK = threading.Lock()
_LOADED: dict[str, TunedMiniLM] = {}


def shipped(name: str) -> Path:
    """The path of weights shipped in `sincere/scoring/` (`stance.safetensors`, `tone.safetensors`)."""
    with resources.as_file(resources.files("sincere") / "scoring" / name) as path:
        return Path(path)


def mean_pool(hidden: Any, mask: Any) -> Any:
    """The mean of the token states under the attention mask."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


def merge_low_rank(encoder: Any, factors: dict[str, Any], scale: float) -> None:
    """Add `scale * B @ A` to each adapted linear layer of the encoder (in place)."""
    import torch

    modules = dict(encoder.named_modules())
    names = {key.rsplit(".", 1)[0] for key in factors}
    with torch.no_grad():
        for name in names:
            layer = modules.get(name)
            if layer is None:
                raise SincereError(f"low-rank weights do not fit the encoder: no layer {name!r}")
            delta = factors[f"{name}.B"].float() @ factors[f"{name}.A"].float()
            layer.weight += scale * delta.to(layer.weight.dtype)


class TunedMiniLM:
    """MiniLM with merged low-rank updates and a linear head, ready to score texts or text pairs on the CPU.

    Args:
        weights: a safetensors file written by a build script.
        rebuild: the command that rebuilds it (named in errors).
        encoder: the MiniLM directory it was trained on (default: the embedded MiniLM).
        batch_size: texts per forward pass.
    """

    def __init__(self, weights: str | Path, rebuild: str, encoder: str | Path | None = None,
                 batch_size: int = 64) -> None:
        import torch
        from safetensors import safe_open
        from transformers import AutoModel, AutoTokenizer

        if encoder is None:
            from sincere import models

            encoder = models.embedded_dir("minilm")
        path = Path(weights)
        if not path.exists():
            raise SincereError(f"model weights not found: {path} (rebuild: {rebuild})")
        with safe_open(str(path), framework="pt") as handle:
            meta = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
        self.config: dict[str, Any] = json.loads(meta.get("config", "{}"))
        if "scale" not in self.config or "head.weight" not in tensors:
            raise SincereError(f"{path} is not a weights file of this kind (rebuild: {rebuild})")
        self.tokenizer = AutoTokenizer.from_pretrained(str(encoder), local_files_only=True)
        self.encoder = AutoModel.from_pretrained(str(encoder), local_files_only=True).eval()
        factors = {k.removeprefix("lora."): v for k, v in tensors.items() if k.startswith("lora.")}
        merge_low_rank(self.encoder, factors, float(self.config["scale"]))
        weight = tensors["head.weight"]
        self.head = torch.nn.Linear(weight.shape[1], weight.shape[0])
        self.head.load_state_dict({"weight": weight, "bias": tensors["head.bias"]})
        self.head.eval()
        self.batch_size = batch_size
        self._torch = torch

    def outputs(self, firsts: Sequence[str], seconds: Sequence[str] | None = None, max_length: int = 128) -> np.ndarray:
        """The head's outputs for each text (or text pair), shape (n, outputs); similar lengths batched together."""
        if seconds is not None and len(firsts) != len(seconds):
            raise ValueError(f"{len(firsts)} first texts but {len(seconds)} second texts")
        out = np.zeros((len(firsts), self.head.out_features), dtype=np.float32)
        size = [len(t) + (len(seconds[i]) if seconds is not None else 0) for i, t in enumerate(firsts)]
        order = sorted(range(len(firsts)), key=size.__getitem__)
        torch = self._torch
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                batch = self.tokenizer(
                    [firsts[i] for i in chunk], None if seconds is None else [seconds[i] for i in chunk],
                    padding=True, truncation="longest_first", max_length=max_length, return_tensors="pt",
                )
                hidden = self.encoder(**batch).last_hidden_state
                out[chunk] = self.head(mean_pool(hidden, batch["attention_mask"])).float().numpy()
        return out


def load(weights: str | Path, rebuild: str, batch_size: int = 64) -> TunedMiniLM:
    """A tuned MiniLM, loaded once per weights file."""
    key = str(weights)
    with _LOCK:
        if key not in _LOADED:
            logger.info("loading %s", key)
            _LOADED[key] = TunedMiniLM(weights, rebuild, batch_size=batch_size)
    return _LOADED[key]


def low_rank_factors(peft_model: Any) -> dict[str, Any]:
    """A peft model's LoRA factors by the plain encoder's layer names (`lora.<layer>.A` / `.B`), in float16."""
    import torch

    out = {}
    for name, value in peft_model.state_dict().items():
        if ".lora_A." in name or ".lora_B." in name:
            layer = name.split("base_model.model.", 1)[1].split(".lora_", 1)[0]
            out[f"lora.{layer}.{'A' if '.lora_A.' in name else 'B'}"] = value.detach().to(torch.float16).contiguous()
    return out
