"""Data screening: which training examples would push a model along a trait direction?

Per example (chat messages ending with an assistant turn), the projection difference is the
projection of the dataset's assistant turn minus that of the model's own reply to the same
prompt, on the trait's unit direction (Chen et al. 2025). A positive difference means training on
the example moves the model toward the trait; the examples with the largest ones are flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch

from sincere.engines.base import Conversation, GenParams
from sincere.errors import SincereError
from sincere.vectors.activations import BATCH_TOKENS, eval_mode
from sincere.vectors.layers import model_device
from sincere.vectors.monitor import local_model, project
from sincere.vectors.store import TraitVectors

#: The model screened when neither the caller nor the vectors' provenance names one.
DEFAULT_MODEL = "smollm2-135m"


@dataclass(frozen=True)
class ScreenRow:
    """One example: projections of its assistant turn (`dataset`) and of the model's reply (`own`)."""

    index: int
    dataset: float | None
    own: float | None
    difference: float | None  # dataset - own; > 0 pushes the model toward the trait
    flagged: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_turn(messages: Conversation) -> tuple[Conversation, str]:
    """The prompt (every message before the last assistant turn) and that turn's text."""
    turns = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    if not turns or turns[-1] == 0:
        raise SincereError("a training example to screen needs a user turn followed by an assistant turn")
    return list(messages[: turns[-1]]), messages[turns[-1]]["content"]


def screenable(messages: Conversation) -> bool:
    """Whether an example has what `split_turn` needs: an assistant turn after at least one message."""
    turns = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    return bool(turns) and turns[-1] > 0


def model_for(vectors: TraitVectors, model: str | None = None) -> str:
    """The model to screen with: `model`, else the one the vectors came from, else `DEFAULT_MODEL`."""
    return model or vectors.meta.get("model") or DEFAULT_MODEL


def load_screen_engine(vectors: TraitVectors, model: str | None = None, *, batch_size: int | None = None,
                       dtype: str = "auto") -> Any:
    """A local engine behind the generation cache (so a killed run resumes), checked to fit the vectors.

    Raises SincereError for a server engine, or a model whose layers or hidden size differ from the vectors'.
    """
    from sincere.engines import load_engine

    name = model_for(vectors, model)
    engine = load_engine(name, batch_size=batch_size, dtype=dtype)
    try:
        vectors.check_model(local_model(engine)[0])
    except SincereError as exc:
        made = vectors.meta.get("model") or "an unrecorded model"
        raise SincereError(f"the {vectors.trait} vectors (made with {made}) do not fit {name}: {exc}") from None
    return engine


def own_replies(model: Any, tokenizer: Any, prompts: Sequence[Conversation], max_new_tokens: int = 64,
                batch: int = 16) -> list[str]:
    """The model's greedy replies (uncached; prefer an engine's cached `generate` for real data)."""
    out: list[str] = []
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    with eval_mode(model):
        for start in range(0, len(prompts), batch):
            rows = [tokenizer.apply_chat_template(list(p), add_generation_prompt=True, tokenize=True)
                    for p in prompts[start : start + batch]]
            rows = [list(r["input_ids"] if hasattr(r, "keys") else r) for r in rows]
            width = max(len(r) for r in rows)
            ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows], device=model_device(model))
            mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows], device=ids.device)
            new = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=pad, eos_token_id=tokenizer.eos_token_id)[:, width:]
            out += [tokenizer.decode(row, skip_special_tokens=True).strip() for row in new.tolist()]
    return out


def threshold(differences: Sequence[float | None], share: float = 0.1) -> float | None:
    """The smallest projection difference still flagged when the top `share` of all examples (and only
    positive differences) are flagged; None when none is. For streaming callers: collect the
    differences, then flag each example whose difference is >= the threshold."""
    if not 0 <= share <= 1:
        raise SincereError(f"the share of examples to flag must be in [0, 1], got {share}")
    positive = sorted((d for d in differences if d is not None and d > 0), reverse=True)
    count = min(round(share * len(differences)), len(positive))
    return positive[count - 1] if count else None


def flag_top(rows: Sequence[ScreenRow], share: float = 0.1) -> list[ScreenRow]:
    """Flag the `share` of examples with the largest positive projection difference."""
    cut = threshold([r.difference for r in rows], share)
    return [replace(r, flagged=cut is not None and r.difference is not None and r.difference >= cut) for r in rows]


def screen(
    model: Any,
    tokenizer: Any,
    examples: Sequence[Conversation],
    vectors: TraitVectors,
    layer: int | None = None,
    *,
    replies: Sequence[str] | None = None,
    share: float = 0.1,
    max_new_tokens: int = 64,
    batch_tokens: int = BATCH_TOKENS,
) -> list[ScreenRow]:
    """Projection difference per example, the top `share` flagged; `replies` are the model's own
    replies to each example's prompt (generated greedily here when not given)."""
    split = [split_turn(e) for e in examples]
    prompts = [p for p, _ in split]
    if replies is None:
        replies = own_replies(model, tokenizer, prompts, max_new_tokens)
    if len(replies) != len(examples):
        raise ValueError(f"{len(examples)} examples but {len(replies)} replies")
    found = project(model, tokenizer, prompts * 2, [t for _, t in split] + list(replies), vectors, layer,
                    batch_tokens=batch_tokens)
    data, own = found[: len(examples)], found[len(examples) :]
    rows = [
        ScreenRow(i, d.response, o.response,
                  None if d.response is None or o.response is None else d.response - o.response)
        for i, (d, o) in enumerate(zip(data, own, strict=True))
    ]
    return flag_top(rows, share)


def screen_engine(engine: Any, examples: Sequence[Conversation], vectors: TraitVectors, layer: int | None = None,
                  *, share: float = 0.1, params: GenParams | None = None) -> list[ScreenRow]:
    """`screen` with the model's own replies from a local engine (cached, resumable)."""
    model, tokenizer = local_model(engine)
    prompts = [split_turn(e)[0] for e in examples]
    replies = [g.text for g in engine.generate(prompts, params or GenParams(max_new_tokens=64))]
    return screen(model, tokenizer, examples, vectors, layer, replies=replies, share=share)


def summarise(rows: Sequence[ScreenRow], n_boot: int = 2000, seed: int = 0) -> dict[str, Any]:
    """The dataset-level projection difference (mean with a bootstrap CI) and the flag count."""
    from sincere.stats import bootstrap_ci

    interval = bootstrap_ci([r.difference for r in rows], n_boot=n_boot, seed=seed)
    return {"mean_difference": interval.as_dict(), "n_flagged": sum(r.flagged for r in rows), "n": len(rows)}
