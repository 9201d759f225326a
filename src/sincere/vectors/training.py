"""Vectors in training: preventative steering during fine-tuning, and a projection monitor.

Preventative steering (Chen et al. 2025) adds the trait direction while fine-tuning, so the
optimiser has no need to move the weights along it; the hooks come off when training ends, and
the saved adapter or model is used without them. Both are `transformers.TrainerCallback`s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from transformers import TrainerCallback

from sincere.engines.base import Conversation
from sincere.vectors.monitor import project
from sincere.vectors.steer import Steering
from sincere.vectors.store import TraitVectors


class SteeringCallback(TrainerCallback):
    """Attach the steering hooks when training begins and remove them when it ends."""

    def __init__(self, steering: Steering) -> None:
        self.steering = steering

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.steering.attach()

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.steering.detach()


class ProjectionMonitor(TrainerCallback):
    """Every `every` steps, the mean projection of fixed probe replies on the trait direction.

    The probes are (conversation, response) pairs, e.g. false-belief prompts with the model's
    replies before training; a drift of their mean projection shows before the behaviour does.
    Values go to `log` (pass `trainer.log` so that `report_to` reaches every tracker) under
    `vectors/<trait>/projection`, and to `history`. Steering, when given, is paused while measuring.
    """

    def __init__(
        self,
        tokenizer: Any,
        probes: Sequence[tuple[Conversation, str]],
        vectors: TraitVectors,
        *,
        every: int = 50,
        layer: int | None = None,
        log: Callable[[dict[str, float]], None] | None = None,
        steering: Steering | None = None,
    ) -> None:
        if every < 1 or not probes:
            raise ValueError("ProjectionMonitor needs probes and every >= 1")
        self.tokenizer, self.probes, self.vectors = tokenizer, list(probes), vectors
        self.every, self.layer, self.log, self.steering = every, layer, log, steering
        self.history: list[tuple[int, float]] = []

    def measure(self, model: Any) -> float:
        """The mean response projection of the probes under the model's current weights."""
        conversations = [c for c, _ in self.probes]
        responses = [r for _, r in self.probes]
        if self.steering is not None:
            with self.steering.paused():
                found = project(model, self.tokenizer, conversations, responses, self.vectors, self.layer)
        else:
            found = project(model, self.tokenizer, conversations, responses, self.vectors, self.layer)
        values = [p.response for p in found if p.response is not None]
        return sum(values) / len(values)

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        if model is not None:
            self._record(state.global_step, model)

    def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        if model is not None and state.global_step % self.every == 0:
            self._record(state.global_step, model)

    def _record(self, step: int, model: Any) -> None:
        value = self.measure(model)
        self.history.append((step, value))
        if self.log is not None:
            self.log({f"vectors/{self.vectors.trait}/projection": value})
