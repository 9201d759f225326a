"""Scoring on a worker thread while replies are still being generated elsewhere.

When the model runs on another machine (a server) or on a GPU, this machine's CPU waits during
generation: `Background` scores each reply as it arrives, in batches of what has queued up, so
that when the last reply comes in little grading is left. When generation itself runs on this
CPU the two would only take turns (measured on 2 cores: no gain), so the audit scores afterwards.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Hashable, Sequence
from typing import Any

from sincere.scoring.base import Scorer

Key = Hashable


class Background:
    """Scores (key, sample, reply) on a worker thread, every scorer in order, in batches of at most `batch`.

    Use as a context manager around generation; `scores` holds each finished key's scores by scorer
    name. Leaving the block waits for what was queued (on an error, only for the batch being scored)
    and raises the worker's error, if any.
    """

    def __init__(self, scorers: Sequence[Scorer], batch: int) -> None:
        self.scorers = list(scorers)
        self.batch = batch
        self.scores: dict[Key, dict[str, Any]] = {}
        self._queue: queue.SimpleQueue[tuple[Key, Any, str] | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="sincere-scoring", daemon=True)

    def __enter__(self) -> Background:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self._stop.set()
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and kind is None:
            raise self._error

    def add(self, key: Key, sample: Any, reply: str) -> None:
        """Queue one reply for scoring."""
        self._queue.put((key, sample, reply))

    def _work(self) -> None:
        done = False
        while not done and not self._stop.is_set():
            first = self._queue.get()
            if first is None:
                return
            chunk = [first]
            while len(chunk) < self.batch:  # take what else has queued up, without waiting
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    done = True
                    break
                chunk.append(item)
            try:
                self._score(chunk)
            except BaseException as exc:  # handed to the caller when the block ends
                self._error = exc
                return

    def _score(self, chunk: list[tuple[Key, Any, str]]) -> None:
        found: list[dict[str, Any]] = [{} for _ in chunk]
        for scorer in self.scorers:
            if self._stop.is_set():
                return
            results = scorer.score_batch([sample for _, sample, _ in chunk], [reply for _, _, reply in chunk])
            for row, result in zip(found, results, strict=True):
                row[scorer.name] = result.as_dict()
        for (key, _, _), row in zip(chunk, found, strict=True):
            self.scores[key] = row
