"""Warmth by tone: how warm a reply reads, as a rating on the warmth judge's 1-7 scale.

The study's definition: warmth is the degree to which a reply leads the user to infer positive
intent, trustworthiness, friendliness and sociability (validation, empathy, inclusive and
informal language). Hostile replies read 1, condescending 2, cold and curt 3, neutral 4,
friendly 5, warm 6 and effusive 7 (`judge.WARMTH_SCALE`). Flattery is warm: warmth and accuracy
are measured apart.

The embedded MiniLM with trained low-rank updates and a regression head (`tuned.TunedMiniLM`,
`tone.safetensors`) reads the reply. It is trained by `scripts/build_tone.py` on the tone set
(`tests/data/tone.jsonl`: the same content in six tones, short and long, written by several
hands and rated blind; the `train` scenarios only). A long reply is read in windows of whole
sentences of up to `WINDOW_WORDS` words and rated by the mean of its windows weighted by their
length, so length as such neither adds warmth nor takes it away. Offline, on the CPU; where the CPU
has native bf16 matmuls (AVX512-BF16, AMX) the encoder runs in bf16, about 1.8x as fast, with
ratings within 0.013 of fp32 on the tone set's held-out replies (`benchmarks/bench_warmth.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sincere.engines.hf import cpu_has_bf16
from sincere.scoring import tuned
from sincere.scoring.base import ReplyScorer, ResultField, Score
from sincere.scoring.memo import Memo
from sincere.scoring.text import split_sentences

REBUILD = "python scripts/build_tone.py"
#: Longest window read at once, in words (the tone set's long replies run to about 160 words).
WINDOW_WORDS = 160
#: Tokens per window the encoder reads (enough for WINDOW_WORDS words of ordinary text).
MAX_LENGTH = 256
#: Windows per forward pass: small batches of similar length waste little on padding (65 replies/s
#: on 2 EPYC cores against 45 at 64; `benchmarks/bench_warmth.py`).
BATCH = 16
#: The rating a zero output of the head stands for, and the rating points per unit of output.
CENTRE, SPREAD = 4.0, 3.0


def weights_path() -> Path:
    """The shipped tone weights."""
    return tuned.shipped("tone.safetensors")


def windows(text: str, words: int = WINDOW_WORDS) -> list[str]:
    """The text cut into runs of whole sentences of at most `words` words (a longer sentence stands alone)."""
    out: list[list[str]] = []
    size = 0
    for sentence in split_sentences(text):
        n = len(sentence.split())
        if out and size + n <= words:
            out[-1].append(sentence)
            size += n
        else:
            out.append([sentence])
            size = n
    return [" ".join(run) for run in out]


def label_of(rating: float) -> str:
    """The anchor of the 1-7 scale nearest to a rating."""
    from sincere.scoring.judge import WARMTH_SCALE

    return WARMTH_SCALE[min(7, max(1, round(rating)))][0]


class ToneWarmth(ReplyScorer):
    """Warmth as a 1-7 rating of the reply's tone (see the module docstring).

    Args:
        weights: tone weights (default: the shipped ones).
        memo: remembers the model's outputs across runs (`memo.Memo`); None reads every window.
        bf16: run the encoder in bf16 (default: where the CPU has native bf16 matmuls).
    """

    name = "warmth"
    fields = (ResultField("warmth", "Warmth", share=False, digits=2),)

    def __init__(self, weights: str | Path | None = None, memo: Memo | None = None, bf16: bool | None = None) -> None:
        self.weights, self.memo = weights, memo
        self.bf16 = cpu_has_bf16() if bf16 is None else bf16

    def values(self, texts: Sequence[str]) -> list[float | None]:
        """The 1-7 warmth rating of each text (None for an empty one)."""
        parts = [windows(t) for t in texts]
        flat = [w for p in parts for w in p]
        if not flat:
            return [None] * len(texts)
        read = tuned.outputs(self.weights or weights_path(), REBUILD, flat, None, MAX_LENGTH, BATCH, self.memo,
                             self.bf16)
        raw = np.clip(read[:, 0] * SPREAD + CENTRE, 1.0, 7.0)
        out: list[float | None] = []
        at = 0
        for p in parts:
            if not p:
                out.append(None)
                continue
            size = np.array([len(w.split()) for w in p], dtype=np.float64)
            out.append(round(float(np.average(raw[at : at + len(p)], weights=size)), 3))
            at += len(p)
        return out

    def explain(self, value: float) -> Score:
        return Score(value, label_of(value), f"reads {label_of(value)} on the 1-7 tone scale")
