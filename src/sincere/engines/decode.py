"""A lean batched decode loop around a causal LM's forward pass, faster than `model.generate`.

What it does differently from `generate`:

- the prompts' common prefix (the chat template's system prompt, say) is run once, at batch 1;
- the rest of the prompts is packed back to back into passes of a fixed number of tokens, with
  a block-diagonal causal mask (each token sees the prefix and its own prompt): no padding, and
  few distinct matmul shapes (oneDNN builds a kernel for each new one);
- only the last prompt token of each row goes through the LM head;
- keys and values live in one preallocated slab per layer, written in place (no growing `cat`);
- rows that have finished are dropped from the batch as the batch thins out;
- on CPU in bf16, linear layers with frozen weights read them prepacked for oneDNN (packed once,
  kept while the weights stay the same tensors at the same version), which saves a weight copy
  per matmul.

Slab layout, one row per prompt: `[prefix | padding, own tokens | new tokens]`, own tokens
right-aligned so that every row writes its next token into the same column. An explicit mask
says which columns hold a row's tokens and explicit position ids keep positions contiguous.

Only models known to follow the Llama-style attention contract (explicit 4D mask and position
ids, full attention, `cache.update(keys, values, layer_idx)` once per layer) take this path:
`supports` says which, and the engine falls back to `model.generate` for the rest.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from transformers.cache_utils import Cache, CacheLayerMixin

from sincere.engines.base import GenParams

logger = logging.getLogger(__name__)

#: Model types whose decoder layers follow the contract above (checked by the unit tests).
SUPPORTED_MODEL_TYPES = frozenset({"llama", "mistral", "qwen2", "qwen3", "phi3"})

#: Tokens per packed prefill pass on CPU / on accelerators (more when a prompt is longer, fewer
#: when all prompts together are shorter). Sizes are multiples of 16: few distinct matmul shapes.
PACK_TOKENS = 256
ACCELERATOR_PACK_TOKENS = 4096

#: Drop finished rows once no more than this fraction of the batch is still generating.
COMPACT_BELOW = 0.75


def supports(model: Any, total_length: int) -> bool:
    """True when the lean loop can run this model for sequences of `total_length` tokens."""
    config = model.config.get_text_config()
    if config.model_type not in SUPPORTED_MODEL_TYPES or _kwarg(model, "cache") is None:
        return False
    if getattr(config, "_attn_implementation", None) not in ("sdpa", "eager"):
        return False
    if any(kind != "full_attention" for kind in getattr(config, "layer_types", None) or []):
        return False
    window = getattr(config, "sliding_window", None)
    return window is None or total_length <= window


def _kwarg(model: Any, role: str) -> str | None:
    """What `model.forward` calls the cache, or the number of logits to keep (by version)."""
    names = {"cache": ("cache", "past_key_values"), "logits": ("logits_to_keep", "num_logits_to_keep")}
    parameters = inspect.signature(model.forward).parameters
    return next((name for name in names[role] if name in parameters), None)


class SlabLayer(CacheLayerMixin):
    """One layer's keys and values, `[batch, heads, capacity, head_dim]`, allocated on first use."""

    is_sliding = False

    def __init__(self, batch: int, capacity: int) -> None:
        super().__init__()
        self.batch, self.capacity = batch, capacity

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        def slab(states: torch.Tensor) -> torch.Tensor:
            shape = (self.batch, states.shape[1], self.capacity, states.shape[-1])
            return torch.zeros(shape, dtype=states.dtype, device=states.device)

        self.keys, self.values = slab(key_states), slab(value_states)
        self.is_initialized = True

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("SlabCache is written through `put` and `scatter`, never `update`")

    def put(self, key_states: torch.Tensor, value_states: torch.Tensor, column: int) -> tuple[Any, Any]:
        """Store new tokens from `column` on in the first rows; return those rows' slabs up to them."""
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        rows, end = key_states.shape[0], column + key_states.shape[-2]
        self.keys[:rows, :, column:end] = key_states
        self.values[:rows, :, column:end] = value_states
        return self.keys[:rows, :, :end], self.values[:rows, :, :end]

    def scatter(
        self, key_states: torch.Tensor, value_states: torch.Tensor, prefix: int, rows: Any, columns: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Store a packed pass's token i at `(rows[i], columns[i])`; return the prefix and the pass."""
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        out = []
        for slab, states in ((self.keys, key_states), (self.values, value_states)):
            slab[rows, :, columns] = states[0, :, : len(rows)].transpose(0, 1)
            out.append(torch.cat([slab[:1, :, :prefix], states], dim=2))
        return out[0], out[1]

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        return self.capacity, 0

    def get_seq_length(self) -> int:
        return self.capacity

    def get_max_length(self) -> int:
        return self.capacity


class SlabCache(Cache):
    """Preallocated keys and values, filled by packed prefill passes then one column per step."""

    def __init__(self, layers: int, batch: int, capacity: int) -> None:
        super().__init__(layers=[SlabLayer(batch, capacity) for _ in range(layers)])
        self.column = 0  # where the next pass writes (its first rows)
        self.packing: tuple[int, torch.Tensor, torch.Tensor] | None = None  # or: prefix, rows, columns

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, layer_idx: int, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        layer = self.layers[layer_idx]
        if self.packing is None:
            return layer.put(key_states, value_states, self.column)
        return layer.scatter(key_states, value_states, *self.packing)

    def share_prefix(self, length: int) -> None:
        """Copy row 0's first `length` columns (the shared prefix) to every row."""
        for layer in self.layers:
            layer.keys[1:, :, :length] = layer.keys[:1, :, :length]
            layer.values[1:, :, :length] = layer.values[:1, :, :length]

    def keep(self, rows: list[int]) -> None:
        """Keep only the batch rows `rows` (ascending), moved up in place: no second slab is allocated."""
        for layer in self.layers:
            for slab in (layer.keys, layer.values):
                for to, row in enumerate(rows):
                    if to != row:
                        slab[to] = slab[row]
            layer.keys, layer.values = layer.keys[: len(rows)], layer.values[: len(rows)]


@dataclass
class _Batch:
    """The live rows of a decode run and where each stands."""

    rows: list[int]  # the prompt index of each live row
    valid: torch.Tensor  # [rows, capacity] bool: the slab columns holding each row's tokens
    positions: torch.Tensor  # [rows] long: the position id of each row's next token
    tokens: torch.Tensor | None = None  # [rows] long: each row's latest token


class Decoder:
    """Greedy or seeded-sampling generation for a batch of token-id prompts."""

    def __init__(self, model: Any, stop_ids: Sequence[int]) -> None:
        self.model, self.stops = model, set(stop_ids)
        self.device = next(model.parameters()).device
        self.dtype = next(model.parameters()).dtype
        self.cache_kwarg = _kwarg(model, "cache")
        self.logits_kwarg = _kwarg(model, "logits")
        config = model.config.get_text_config()
        self.bool_mask = config._attn_implementation == "sdpa"
        self.layers = config.num_hidden_layers
        self.prepack = self.device.type == "cpu" and self.dtype == torch.bfloat16 and _can_prepack()
        self._packed: dict[torch.nn.Linear, tuple[tuple[int, int], torch.Tensor]] = {}

    @torch.inference_mode()
    def generate(self, prompts: Sequence[Sequence[int]], params: GenParams) -> list[list[int]]:
        """New token ids of each prompt, up to and including its stop token."""
        with self._prepacked():
            return self._generate([list(p) for p in prompts], params)

    @contextmanager
    def _prepacked(self) -> Iterator[None]:
        """While generating, bf16 CPU linear layers use oneDNN-prepacked copies of their frozen weights.

        Trainable weights are never packed: an optimiser may change them in place without bumping
        the tensor's version (fused AdamW does), so a packed copy could go stale unseen.
        """
        linears = [
            m for m in self.model.modules() if type(m) is torch.nn.Linear and not m.weight.requires_grad
        ] if self.prepack else []
        try:
            for module in linears:
                key = (module.weight.data_ptr(), module.weight._version)
                if module not in self._packed or self._packed[module][0] != key:
                    packed = torch.ops.mkldnn._reorder_linear_weight(module.weight.detach(), 64)
                    self._packed[module] = (key, packed)
                module.forward = functools.partial(_packed_linear, module, self._packed[module][1])
        except RuntimeError as exc:  # an op this torch build lacks: plain matmuls then
            logger.info("no prepacked weights: %s", exc)
            self.prepack, self._packed = False, {}
            linears = [m for m in linears if "forward" in vars(m)]
        try:
            yield
        finally:
            for module in linears:
                vars(module).pop("forward", None)

    def _generate(self, prompts: list[list[int]], params: GenParams) -> list[list[int]]:
        prefix = _common_prefix(prompts)
        width = max(len(p) for p in prompts) - prefix  # of the widest prompt's own tokens
        capacity = prefix + width + params.max_new_tokens
        cache = SlabCache(self.layers, len(prompts), capacity)
        if prefix:
            causal = torch.ones(prefix, prefix, dtype=torch.bool).tril()
            self._forward(cache, torch.tensor([prompts[0][:prefix]]), causal[None, None], torch.arange(prefix)[None])
            cache.share_prefix(prefix)
        logits = self._prefill(cache, [p[prefix:] for p in prompts], prefix, width)
        valid = torch.zeros(len(prompts), capacity, dtype=torch.bool)
        valid[:, :prefix] = True
        for row, prompt in enumerate(prompts):  # own tokens end at column prefix + width
            valid[row, prefix + width - (len(prompt) - prefix) : prefix + width] = True
        lengths = torch.tensor([len(p) for p in prompts], device=self.device)
        batch = _Batch(list(range(len(prompts))), valid.to(self.device), lengths)
        generator = torch.Generator(device=self.device).manual_seed(params.seed)
        return self._decode(cache, batch, logits, params, generator, prefix + width)

    def _prefill(self, cache: SlabCache, own: list[list[int]], prefix: int, width: int) -> torch.Tensor:
        """Every prompt's own tokens, in packed passes; the logits after each prompt's last token."""
        budget = PACK_TOKENS if self.device.type == "cpu" else ACCELERATOR_PACK_TOKENS
        lengths = [len(tokens) for tokens in own]
        size = max(max(lengths), min(budget, sum(lengths)))
        size = -(-size // 16) * 16
        logits: list[Any] = [None] * len(own)
        for rows in _packs(lengths, size):
            packed = self._pack_pass(cache, [own[row] for row in rows], rows, prefix, width, size)
            for row, row_logits in zip(rows, packed, strict=True):
                logits[row] = row_logits
        cache.packing = None
        return torch.stack(logits)

    def _pack_pass(
        self, cache: SlabCache, own: list[list[int]], rows: list[int], prefix: int, width: int, size: int
    ) -> torch.Tensor:
        """One pass over `size` tokens: these prompts' own tokens back to back, then filler."""
        lengths = torch.tensor([len(tokens) for tokens in own])
        segment = torch.repeat_interleave(torch.arange(len(own)), lengths)
        offsets = torch.arange(len(segment)) - (lengths.cumsum(0) - lengths)[segment]
        ids = torch.zeros(size, dtype=torch.long)  # filler: token 0, seen by filler only
        ids[: len(segment)] = torch.tensor([token for tokens in own for token in tokens])
        kind = torch.full((size,), -1)
        kind[: len(segment)] = segment
        positions = torch.full((size,), prefix)
        positions[: len(segment)] += offsets
        # Every token sees the prefix and the earlier tokens of its own prompt.
        own_mask = (kind[:, None] == kind[None, :]) & torch.ones(size, size, dtype=torch.bool).tril()
        mask = torch.cat([torch.ones(size, prefix, dtype=torch.bool), own_mask], dim=1)
        columns = prefix + width - lengths[segment] + offsets
        cache.packing = (prefix, torch.tensor(rows)[segment].to(self.device), columns.to(self.device))
        return self._forward(cache, ids[None], mask[None, None], positions[None], lengths.cumsum(0) - 1)[0]

    def _decode(
        self,
        cache: SlabCache,
        batch: _Batch,
        logits: torch.Tensor,
        params: GenParams,
        generator: torch.Generator,
        column: int,
    ) -> list[list[int]]:
        """Pick tokens step by step from `column` on until every row stops or hits the limit."""
        out: list[list[int]] = [[] for _ in batch.rows]
        for step in range(params.max_new_tokens):
            batch.tokens = pick(logits, params, generator)
            live = []
            for slot, (row, token) in enumerate(zip(batch.rows, batch.tokens.tolist(), strict=True)):
                if out[row] and out[row][-1] in self.stops:
                    continue  # finished earlier, not yet dropped
                out[row].append(token)
                if token not in self.stops:
                    live.append(slot)
            if not live or step == params.max_new_tokens - 1:
                break
            if len(live) <= COMPACT_BELOW * len(batch.rows):
                self._keep(cache, batch, live)
            cache.column = column + step
            batch.valid[:, column + step] = True
            mask = batch.valid[:, None, None, : column + step + 1]
            logits = self._forward(cache, batch.tokens[:, None], mask, batch.positions[:, None])[:, -1]
            batch.positions += 1
        return out

    def _keep(self, cache: SlabCache, batch: _Batch, slots: list[int]) -> None:
        """Drop every row of the batch but `slots`."""
        index = torch.tensor(slots, device=self.device)
        cache.keep(slots)
        batch.rows = [batch.rows[s] for s in slots]
        batch.valid, batch.positions = batch.valid[index], batch.positions[index]
        batch.tokens = batch.tokens[index] if batch.tokens is not None else None

    def _forward(
        self,
        cache: SlabCache,
        ids: torch.Tensor,
        mask: torch.Tensor,
        positions: torch.Tensor,
        keep: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """One forward pass; the logits at positions `keep` (default: the last)."""
        kwargs: dict[str, Any] = {str(self.cache_kwarg): cache, "use_cache": True}
        if self.logits_kwarg:
            kwargs[self.logits_kwarg] = 1 if keep is None else keep.to(self.device)
        mask = mask.to(self.device)
        if not self.bool_mask:  # eager attention adds the mask to its scores
            mask = torch.zeros(mask.shape, dtype=self.dtype, device=self.device).masked_fill(
                ~mask, torch.finfo(self.dtype).min
            )
        output = self.model(
            input_ids=ids.to(self.device), attention_mask=mask, position_ids=positions.to(self.device), **kwargs
        )
        if keep is not None and not self.logits_kwarg:
            return output.logits[:, keep.to(self.device)]
        return output.logits


def _can_prepack() -> bool:
    """True when this torch build has oneDNN's linear weight prepacking (x86 CPU builds do)."""
    mkldnn = getattr(torch.ops, "mkldnn", None)
    return (
        torch.backends.mkldnn.is_available()
        and hasattr(mkldnn, "_reorder_linear_weight")
        and hasattr(mkldnn, "_linear_pointwise")
    )


def _packed_linear(module: torch.nn.Linear, weight: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """`module(x)` with the weight prepacked for oneDNN (bit-identical to the plain matmul)."""
    return torch.ops.mkldnn._linear_pointwise(x.contiguous(), weight, module.bias, "none", [], "")


def pick(logits: torch.Tensor, params: GenParams, generator: torch.Generator) -> torch.Tensor:
    """The next token of each row: argmax, or a seeded sample at `temperature` within `top_p`."""
    if params.temperature == 0:
        return logits.float().argmax(-1)  # same result as in bf16, and faster on CPU
    probs = torch.softmax(logits.float() / params.temperature, dim=-1)
    if params.top_p < 1:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        outside = sorted_probs.cumsum(-1) - sorted_probs >= params.top_p  # the mass before it suffices
        probs = torch.zeros_like(probs).scatter_(-1, order, sorted_probs.masked_fill(outside, 0))
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


def _common_prefix(prompts: list[list[int]]) -> int:
    """Length of the token prefix all prompts share, leaving each at least one token of its own."""
    limit = min(len(p) for p in prompts) - 1
    length = 0
    while length < limit and all(p[length] == prompts[0][length] for p in prompts):
        length += 1
    return length


def _packs(lengths: list[int], size: int) -> list[list[int]]:
    """Rows grouped into packs of at most `size` tokens, each row into the first that has room."""
    packs: list[list[int]] = []
    room: list[int] = []
    for row, length in enumerate(lengths):
        slot = next((i for i, free in enumerate(room) if free >= length), len(packs))
        if slot == len(packs):
            packs.append([])
            room.append(size)
        packs[slot].append(row)
        room[slot] -= length
    return packs
