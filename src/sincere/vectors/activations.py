"""Hidden states of prompt + response pairs: the mean over the response tokens (or the first few of
them) and the last prompt token.

Each conversation is encoded with the chat template and the assistant prompt, then the reply's
tokens are appended (exactly what a model sees while it generates that reply). Forward hooks on
the decoder layers read the residual stream after each chosen layer; the forward pass stops
after the last chosen layer, so the LM head and later layers never run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from sincere.engines.base import Conversation, check_conversation
from sincere.errors import SincereError
from sincere.vectors.layers import decoder_layers, hidden_of, model_device

#: Tokens (rows x longest row) per forward pass: keeps a small CPU busy without thrashing.
BATCH_TOKENS = 4096


@dataclass(frozen=True)
class Activations:
    """Per conversation and chosen layer: `response` (mean over reply tokens, NaN for an empty
    reply) and `prompt_last` (the last prompt token), both `[n, len(layers), hidden]` float32."""

    response: torch.Tensor
    prompt_last: torch.Tensor
    layers: tuple[int, ...]

    def at(self, layer: int, where: str = "response") -> torch.Tensor:
        """The `[n, hidden]` states at one layer (`where`: response or prompt_last)."""
        if layer not in self.layers:
            raise SincereError(f"layer {layer} was not captured (have {list(self.layers)})")
        return getattr(self, where)[:, self.layers.index(layer)]


class _Done(Exception):
    """Raised by the last hook: the rest of the forward pass is not needed."""


def encode(tokenizer: Any, prompt: Conversation, response: str) -> tuple[list[int], int]:
    """Token ids of the prompt (chat template + assistant prompt) followed by the reply; and the prompt length."""
    check_conversation(prompt)
    ids = tokenizer.apply_chat_template(list(prompt), add_generation_prompt=True, tokenize=True)
    if hasattr(ids, "keys"):
        ids = ids["input_ids"]
    reply = tokenizer(response, add_special_tokens=False)["input_ids"] if response else []
    return list(ids) + list(reply), len(ids)


def _batches(lengths: Sequence[int], budget: int) -> list[list[int]]:
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    groups: list[list[int]] = []
    for index in order:
        if groups and lengths[groups[-1][0]] * (len(groups[-1]) + 1) <= budget:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


class _Capture:
    """Forward hooks that reduce each chosen layer's output to the response mean and last prompt token."""

    def __init__(self, model: Any, layers: tuple[int, ...]) -> None:
        modules = decoder_layers(model)
        bad = [layer for layer in layers if not 0 <= layer < len(modules)]
        if bad:
            last = len(modules) - 1
            raise SincereError(f"layer {bad[0]} out of range: the model has {len(modules)} layers (0-{last})")
        self.layers, self.last = layers, max(layers)
        self.modules = modules
        self.mask: torch.Tensor | None = None  # one response mask per reply window
        self.ends: torch.Tensor | None = None
        self.store: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def hook(self, layer: int) -> Any:
        def read(_module: Any, _args: Any, output: Any) -> None:
            hidden = hidden_of(output).float()
            mask = self.mask  # [windows, rows, tokens]
            count = mask.sum(-1, keepdim=True)  # type: ignore[union-attr]
            mean = torch.einsum("wbt,bth->wbh", mask, hidden) / count.clamp(min=1)
            mean[(count == 0).expand_as(mean)] = float("nan")
            last = hidden[torch.arange(hidden.shape[0], device=hidden.device), self.ends]
            self.store[layer] = (mean.cpu(), last.cpu())
            if layer == self.last:
                raise _Done

        return read

    @contextmanager
    def attached(self) -> Iterator[_Capture]:
        handles = [self.modules[layer].register_forward_hook(self.hook(layer)) for layer in self.layers]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()


@contextmanager
def eval_mode(model: Any) -> Iterator[None]:
    """Dropout off and no gradients while reading activations; the training mode is restored after."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def _pad(rows: list[tuple[list[int], int]], pad_id: int, device: torch.device,
         windows: Sequence[int | None] = (None,)) -> tuple[torch.Tensor, ...]:
    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    response = torch.zeros((len(windows), len(rows), width), dtype=torch.float32)
    for row, (tokens, prompt_length) in enumerate(rows):  # right padding: causal rows never see it
        ids[row, : len(tokens)] = torch.tensor(tokens)
        attention[row, : len(tokens)] = 1
        for at, window in enumerate(windows):
            end = len(tokens) if window is None else min(len(tokens), prompt_length + window)
            response[at, row, prompt_length:end] = 1
    ends = torch.tensor([prompt_length - 1 for _, prompt_length in rows])
    return ids.to(device), attention.to(device), response.to(device), ends.to(device)


def collect(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[Conversation],
    responses: Sequence[str],
    *,
    layers: Sequence[int] | None = None,
    batch_tokens: int = BATCH_TOKENS,
    window: int | None = None,
) -> Activations:
    """Activations of every (prompt, response) pair at the chosen layers (default: all); the
    response mean is over the first `window` reply tokens (default: all of them)."""
    return collect_windows(model, tokenizer, prompts, responses, (window,), layers=layers,
                           batch_tokens=batch_tokens)[0]


def collect_windows(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[Conversation],
    responses: Sequence[str],
    windows: Sequence[int | None],
    *,
    layers: Sequence[int] | None = None,
    batch_tokens: int = BATCH_TOKENS,
) -> list[Activations]:
    """`collect` for several reply windows from one forward pass: one `Activations` per window."""
    if not windows:
        raise SincereError("no reply windows to average over")
    bad = next((w for w in windows if w is not None and w < 1), None)
    if bad is not None:
        raise SincereError(f"the reply window must be at least 1 token, got {bad}")
    if len(prompts) != len(responses):
        raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses")
    chosen = tuple(sorted(set(layers))) if layers is not None else tuple(range(len(decoder_layers(model))))
    if not chosen:
        raise SincereError("no layers to read")
    capture = _Capture(model, chosen)
    encoded = [encode(tokenizer, p, r) for p, r in zip(prompts, responses, strict=True)]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    response: torch.Tensor | None = None  # [windows, n, layers, hidden]
    prompt_last: torch.Tensor | None = None
    with eval_mode(model), capture.attached():
        for group in _batches([len(ids) for ids, _ in encoded], batch_tokens):
            ids, attention, capture.mask, capture.ends = _pad([encoded[i] for i in group], pad_id, model_device(model),
                                                              windows)
            try:
                model(input_ids=ids, attention_mask=attention, use_cache=False)
            except _Done:
                pass
            means = torch.stack([capture.store[layer][0] for layer in chosen], 2)
            lasts = torch.stack([capture.store[layer][1] for layer in chosen], 1)
            if response is None or prompt_last is None:
                response = torch.empty((len(windows), len(encoded), *means.shape[2:]))
                prompt_last = torch.empty((len(encoded), *lasts.shape[1:]))
            response[:, group], prompt_last[group] = means, lasts
    if response is None or prompt_last is None:
        raise SincereError("no conversations to read activations from")
    return [Activations(response[k], prompt_last, chosen) for k in range(len(windows))]


def projections(states: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """Projection of `[n, L, H]` states on the unit directions `[L, H]`: `[n, L]`."""
    units = directions / directions.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    return torch.einsum("nlh,lh->nl", states.float(), units.float())
