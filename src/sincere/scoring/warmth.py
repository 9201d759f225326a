"""SocioT-style warmth: how much more likely a reply is after warm relational frames than cold ones.

After Cheng, Yu & Jurafsky (2025): a text reads as warm when a language model finds it more
likely to have been said by a friend, lover, mentor or idol than by a stranger, enemy, examiner or
dictator. The score is the mean per-token log-likelihood of the reply after the warm frames minus
that after the cold frames (nats per token; > 0 leans warm). The reply's tokens are identical
under every frame, so the difference isolates the frame. Default scoring model: the embedded
SmolLM2-135M; any causal LM by name or path works.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sincere.scoring.base import ReplyScorer, ResultField, Score

WARM_FRAMES = ("My friend said:", "My lover said:", "My mentor said:", "My idol said:")
COLD_FRAMES = ("The stranger said:", "My enemy said:", "The examiner said:", "The dictator said:")


class SocioTWarmth(ReplyScorer):
    """Warmth as a log-likelihood ratio under warm versus cold frames (per token)."""

    name = "sociot"
    fields = (ResultField("sociot", "SocioT", share=False, digits=3, signed=True),)

    def __init__(
        self,
        model: str = "smollm2-135m",
        *,
        frames_per_side: int = 4,
        max_tokens: int = 64,
        batch_tokens: int = 8192,
        dtype: str = "auto",
    ) -> None:
        if not 1 <= frames_per_side <= len(WARM_FRAMES):
            raise ValueError(f"frames_per_side must be 1..{len(WARM_FRAMES)}")
        self.model_name = model
        self.warm = WARM_FRAMES[:frames_per_side]
        self.cold = COLD_FRAMES[:frames_per_side]
        self.max_tokens = max_tokens
        self.batch_tokens = batch_tokens
        self.dtype = dtype
        self._lm: Any = None

    def _load(self) -> Any:
        if self._lm is None:
            from sincere.engines.hf import best_device, load_causal_lm, pick_dtype, resolve

            device = best_device()
            self._lm = (*load_causal_lm(resolve(self.model_name), device, pick_dtype(device, self.dtype)), device)
        return self._lm

    def explain(self, ratio: float) -> Score:
        lean = "warm" if ratio > 0 else "cold"
        return Score(ratio, lean, f"{ratio:+.4f} nats/token after warm vs cold frames")

    def values(self, texts: Sequence[str]) -> list[float | None]:
        """Warm-minus-cold mean per-token log-likelihood of each text (None for empty text)."""
        model, tokenizer, device = self._load()
        bodies = [tokenizer.encode(" " + t.strip(), add_special_tokens=False)[: self.max_tokens] for t in texts]
        frames = [tokenizer.encode(f, add_special_tokens=False) for f in (*self.warm, *self.cold)]
        jobs = [(i, f) for i, body in enumerate(bodies) if body for f in range(len(frames))]
        logp = _response_logprobs(model, tokenizer, device, frames, bodies, jobs, self.batch_tokens)
        half = len(self.warm)
        out: list[float | None] = []
        for i, body in enumerate(bodies):
            if not body:
                out.append(None)
                continue
            warm = sum(logp[(i, f)] for f in range(half)) / half
            cold = sum(logp[(i, f)] for f in range(half, len(frames))) / half
            out.append((warm - cold) / len(body))
        return out


def _response_logprobs(
    model: Any,
    tokenizer: Any,
    device: str,
    frames: list[list[int]],
    bodies: list[list[int]],
    jobs: list[tuple[int, int]],
    batch_tokens: int,
) -> dict[tuple[int, int], float]:
    """Sum of log p(body tokens | frame) for every (body, frame) job, in length-sorted batches."""
    import torch

    jobs = sorted(jobs, key=lambda j: -(len(frames[j[1]]) + len(bodies[j[0]])))
    result: dict[tuple[int, int], float] = {}
    pad = tokenizer.pad_token_id or 0
    start = 0
    while start < len(jobs):
        width = _bucket(len(frames[jobs[start][1]]) + len(bodies[jobs[start][0]]), WIDTH_STEP)
        size = max(1, batch_tokens // width)
        batch = jobs[start : start + size]
        start += size
        rows = min(size, 1 << (len(batch) - 1).bit_length())  # a few batch shapes, not one per batch
        ids = torch.full((rows, width), pad, dtype=torch.long)
        mask = torch.ones((rows, width), dtype=torch.long)  # filler rows attend to their own padding
        for row, (i, f) in enumerate(batch):
            seq = frames[f] + bodies[i]
            ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, len(seq) :] = 0
        targets = [(row, len(frames[f]) - 1, bodies[i]) for row, (i, f) in enumerate(batch)]
        sums = _token_logprob_sums(model, ids.to(device), mask.to(device), targets)
        result.update(zip(batch, sums, strict=True))
    return result


#: Batch widths are rounded up to a multiple of this. The CPU matmul backend caches work per
#: input shape, so a shape per batch made memory grow with the number of texts scored.
WIDTH_STEP = 16


def _bucket(n: int, step: int) -> int:
    return -(-n // step) * step


#: Positions sent through the output head at once (bounds the logits' memory: 1024 x vocabulary).
HEAD_CHUNK = 1024


def _token_logprob_sums(model: Any, ids: Any, mask: Any, targets: list[tuple[int, int, list[int]]]) -> list[float]:
    """Sum of log p(tokens) for each (row, first predicting position, tokens).

    Runs the transformer once, then the output head only on the positions that predict a scored
    token, so frame and padding positions cost no vocabulary projection.
    """
    import torch

    with torch.inference_mode():
        hidden = model.base_model(input_ids=ids, attention_mask=mask).last_hidden_state
        rows = torch.tensor([r for r, begin, body in targets for _ in body], device=ids.device)
        cols = torch.tensor([begin + k for r, begin, body in targets for k in range(len(body))], device=ids.device)
        gold = torch.tensor([t for _, _, body in targets for t in body], device=ids.device)
        head, picked = model.get_output_embeddings(), hidden[rows, cols]
        filled = min(_bucket(len(gold), HEAD_CHUNK), 1 << (len(gold) - 1).bit_length())  # few head shapes
        picked = torch.cat([picked, picked.new_zeros(filled - len(gold), picked.shape[1])])
        padded = torch.cat([gold, gold.new_zeros(filled - len(gold))])
        token_logp = torch.cat([  # in chunks: the full logits of 8k positions x a 50k vocabulary take GBs
            -torch.nn.functional.cross_entropy(head(picked[at : at + HEAD_CHUNK]).float(),
                                               padded[at : at + HEAD_CHUNK], reduction="none")
            for at in range(0, filled, HEAD_CHUNK)
        ])
    sums, at = [], 0
    for _, _, body in targets:
        sums.append(float(token_logp[at : at + len(body)].sum()))
        at += len(body)
    return sums
