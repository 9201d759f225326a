"""Sentence embeddings (MiniLM by default) for query types, near-duplicates and meaning drift."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from sincere.errors import SincereError

MAX_SEQ_LENGTH = 256  # tokens per text; longer texts are cut (enough to compare meaning, and fast)


class Embedder:
    """Unit-length sentence embeddings from a sentence-transformers model, loaded on first use.

    Args:
        model: `minilm` (the embedded all-MiniLM-L6-v2), a local folder or a hub id.
        batch_size: texts per forward pass.
    """

    def __init__(self, model: str = "minilm", batch_size: int = 64) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            from sincere.models import EMBEDDED, embedded_dir

            where = str(embedded_dir(self.model_name)) if self.model_name in EMBEDDED else self.model_name
            try:
                self._model = SentenceTransformer(where)
            except OSError as exc:
                raise SincereError(f"cannot load embedding model {self.model_name!r}: {exc}") from None
            self._model.max_seq_length = min(self._model.max_seq_length or MAX_SEQ_LENGTH, MAX_SEQ_LENGTH)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """A (len(texts), dim) float32 array of unit vectors (zeros for empty texts)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = self._load().encode(
            [t or " " for t in texts], batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        vectors = np.asarray(vectors, dtype=np.float32)
        vectors[[i for i, t in enumerate(texts) if not t.strip()]] = 0.0
        return vectors


def paired_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two arrays of unit vectors."""
    return np.einsum("ij,ij->i", a, b) if len(a) else np.zeros(0, dtype=np.float32)


def near_duplicates(vectors: np.ndarray, threshold: float, block: int = 1024) -> Iterator[tuple[int, int, float]]:
    """(later, earlier, similarity) for every row whose cosine to an earlier row reaches `threshold`.

    Each row is matched to its most similar earlier row. Memory stays at `block` x N floats.
    """
    total = len(vectors)
    for start in range(0, total, block):
        rows = vectors[start : start + block]
        sims = rows @ vectors[: start + len(rows)].T
        for offset in range(len(rows)):
            index = start + offset
            earlier = sims[offset, :index]
            if index == 0 or not vectors[index].any():
                continue
            best = int(np.argmax(earlier))
            if earlier[best] >= threshold:
                yield index, best, float(earlier[best])
