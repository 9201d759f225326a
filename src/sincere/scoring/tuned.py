"""The embedded MiniLM with trained low-rank updates and a linear head: what the stance and tone models share.

A build script (`scripts/build_stance.py`, `scripts/build_tone.py`) trains LoRA factors of MiniLM's
linear layers and a linear head on its mean-pooled tokens, and saves only those (a safetensors
file of well under 1 MB, its training settings in the metadata). Loading merges the factors into
the embedded MiniLM's weights, so scoring runs the plain encoder at full speed. Nothing
downloads at run time. `outputs` reads through a `memo.Memo` when given one, so what was read
before is not read again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from sincere.errors import SincereError
from sincere.scoring import memo as memo_mod

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
        bf16: run the encoder in bf16 (autocast): on a CPU with native bf16 matmuls about twice as fast.
    """

    def __init__(self, weights: str | Path, rebuild: str, encoder: str | Path | None = None,
                 batch_size: int = 64, bf16: bool = False) -> None:
        import torch
        from safetensors import safe_open
        from transformers import AutoModel, AutoTokenizer

        encoder = encoder_dir(encoder)
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
        self.bf16 = bf16
        self._torch = torch

    def outputs(self, firsts: Sequence[str], seconds: Sequence[str] | None = None, max_length: int = 128) -> np.ndarray:
        """The head's outputs for each text (or text pair), shape (n, outputs); similar lengths batched together."""
        if seconds is not None and len(firsts) != len(seconds):
            raise ValueError(f"{len(firsts)} first texts but {len(seconds)} second texts")
        out = np.zeros((len(firsts), self.head.out_features), dtype=np.float32)
        size = [len(t) + (len(seconds[i]) if seconds is not None else 0) for i, t in enumerate(firsts)]
        order = sorted(range(len(firsts)), key=size.__getitem__)
        torch = self._torch
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                batch = self.tokenizer(
                    [firsts[i] for i in chunk], None if seconds is None else [seconds[i] for i in chunk],
                    padding=True, truncation="longest_first", max_length=max_length, return_tensors="pt",
                )
                hidden = self.encoder(**batch).last_hidden_state.float()
                out[chunk] = self.head(mean_pool(hidden, batch["attention_mask"])).float().numpy()
        return out


def load(weights: str | Path, rebuild: str, batch_size: int = 64, bf16: bool = False) -> TunedMiniLM:
    """A tuned MiniLM, loaded once per weights file and precision."""
    key = f"{weights}{' (bf16)' if bf16 else ''}"
    with _LOCK:
        if key not in _LOADED:
            logger.info("loading %s", key)
            _LOADED[key] = TunedMiniLM(weights, rebuild, batch_size=batch_size, bf16=bf16)
    return _LOADED[key]


def encoder_dir(encoder: str | Path | None = None) -> Path:
    """The MiniLM directory a tuned model adapts (default: the embedded MiniLM)."""
    if encoder is not None:
        return Path(encoder)
    from sincere import models

    return models.embedded_dir("minilm")


def fingerprint(weights: str | Path) -> str:
    """A hash of everything a tuned model's outputs depend on besides its input: the weights file, the
    encoder's weights and tokenizer, and the torch and transformers versions."""
    stat = Path(weights).stat()
    return _fingerprint(str(Path(weights).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.cache
def _fingerprint(weights: str, size: int, mtime: int) -> str:
    from importlib.metadata import version

    from sincere.models import cached_sha256

    encoder = encoder_dir()
    digest = hashlib.sha256(Path(weights).read_bytes())
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        digest.update(cached_sha256(encoder / name).encode())
    digest.update(f"torch {version('torch')} transformers {version('transformers')}".encode())
    return digest.hexdigest()


def outputs(
    weights: str | Path, rebuild: str, firsts: Sequence[str], seconds: Sequence[str] | None = None,
    max_length: int = 128, batch_size: int = 64, memo: memo_mod.Memo | None = None, bf16: bool = False,
) -> np.ndarray:
    """`TunedMiniLM.outputs` of the model in `weights` (in bf16 if asked); with a memo, only the inputs it does
    not hold in the same precision are read (the model loads only then) and their outputs are added to it."""
    if memo is None or not firsts:
        return load(weights, rebuild, batch_size, bf16).outputs(firsts, seconds, max_length)
    if not Path(weights).exists():
        raise SincereError(f"model weights not found: {weights} (rebuild: {rebuild})")
    mark = fingerprint(weights) + (" bf16" if bf16 else "")
    keys = [memo_mod.key(mark, max_length, t, None if seconds is None else seconds[i]) for i, t in enumerate(firsts)]
    known = memo.get_many(keys)
    # The misses are read as a batch of their own, in input order, so a cold memo gives the outputs
    # that reading without one would (the same batches), bit for bit.
    rows = [i for i, k in enumerate(keys) if k not in known]
    if rows:
        read = load(weights, rebuild, batch_size, bf16).outputs(
            [firsts[i] for i in rows], None if seconds is None else [seconds[i] for i in rows], max_length)
        fresh = {keys[i]: value for i, value in zip(rows, read, strict=True)}
        memo.put_many(fresh)
        known |= fresh
    return np.stack([known[k] for k in keys])


def low_rank_factors(peft_model: Any) -> dict[str, Any]:
    """A peft model's LoRA factors by the plain encoder's layer names (`lora.<layer>.A` / `.B`), in float16."""
    import torch

    out = {}
    for name, value in peft_model.state_dict().items():
        if ".lora_A." in name or ".lora_B." in name:
            layer = name.split("base_model.model.", 1)[1].split(".lora_", 1)[0]
            out[f"lora.{layer}.{'A' if '.lora_A.' in name else 'B'}"] = value.detach().to(torch.float16).contiguous()
    return out
