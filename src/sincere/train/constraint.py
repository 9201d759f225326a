"""Constrained objective: maximise the other rewards subject to accuracy >= a floor (PPO-Lagrangian).

The Lagrangian `sum_k w_k R_k + lam * (accuracy - floor)` is maximised by the policy and
minimised over `lam >= 0`: after each step the multiplier moves against the constraint's
slack, `lam <- clip(lam + lr * (floor - accuracy_window), 0, lam_max)`, where `accuracy_window`
is the mean of the latest accuracy estimates (training rollouts' correctness, or the monitor's
probe accuracy). The rewards are then weighted `w_k / (1 + lam)` and correctness `lam / (1 + lam)`
(Safe RLHF's normalisation), so a violated floor shifts the policy towards accuracy.

>>> lag = Lagrangian(floor=0.6, lr=1.0, window=2)
>>> lag.observe(0.4); lag.update(step=1)
1.2
>>> {k: round(v, 3) for k, v in lag.weights({"correctness": 1.0, "warmth": 1.0}).items()}
{'correctness': 0.545, 'warmth': 0.455}
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sincere.stats import mean_of

logger = logging.getLogger(__name__)
CONSTRAINED = "correctness"


@dataclass
class Lagrangian:
    """The multiplier of the accuracy constraint and its windowed accuracy estimate."""

    floor: float | None = None  # None until measured (automatic floor)
    lr: float = 0.5
    lam_max: float = 10.0
    delay: int = 0
    window: int = 4
    value: float = 1.0
    estimates: deque[float] = field(default_factory=deque)

    def __post_init__(self) -> None:
        if self.lr < 0 or self.window < 1 or self.delay < 0 or not 0 <= self.value <= self.lam_max:
            raise ValueError("need lr >= 0, window >= 1, delay >= 0 and 0 <= value <= lam_max")
        self.estimates = deque(self.estimates, maxlen=self.window)

    def observe(self, accuracy: float | None) -> None:
        """Add an accuracy estimate (None or NaN: nothing was graded; ignored)."""
        if accuracy is not None and math.isfinite(accuracy):
            self.estimates.append(float(accuracy))

    @property
    def estimate(self) -> float | None:
        """The windowed accuracy: the mean of the latest `window` estimates."""
        return sum(self.estimates) / len(self.estimates) if self.estimates else None

    def update(self, step: int) -> float:
        """Move the multiplier (not before `delay` steps, nor without a floor and an estimate)."""
        if step >= self.delay and self.floor is not None and self.estimate is not None:
            self.value = min(self.lam_max, max(0.0, self.value + self.lr * (self.floor - self.estimate)))
        return self.value

    def weights(self, base: dict[str, float]) -> dict[str, float]:
        """Reward weights under the current multiplier: correctness lam/(1+lam), the others w/(1+lam)."""
        scale = 1.0 + self.value
        return {name: (self.value if name == CONSTRAINED else w) / scale for name, w in base.items()}

    def metrics(self) -> dict[str, float]:
        """What is logged every step."""
        out = {"constraint/lambda": self.value}
        if self.floor is not None:
            out["constraint/floor"] = self.floor
        if self.estimate is not None:
            out["constraint/accuracy_window"] = self.estimate
        return out


def _gathered(values: list[float | None]) -> list[float | None]:
    """Every process's values (the same list on every rank, so every rank moves lam alike)."""
    try:
        from accelerate import PartialState
        from accelerate.utils import gather_object
    except ImportError:  # pragma: no cover - accelerate comes with the train extra
        return values
    if PartialState().num_processes <= 1:
        return values
    return list(gather_object(values))


class Controller:
    """Runs the constraint in a GRPO run: observes accuracy, moves lam, sets the trainer's reward weights.

    Args:
        lagrangian: the multiplier.
        names: the reward functions' names, in the trainer's order.
        base: the recipe's weights (correctness's is replaced by the multiplier's).
        source: "rollouts" (the correctness reward of each step's completions) or "probes"
            (the monitor calls `observe_probe`).
        tolerance: the automatic floor is the base accuracy minus this.
    """

    def __init__(self, lagrangian: Lagrangian, names: Sequence[str], base: dict[str, float], source: str,
                 tolerance: float) -> None:
        self.lag, self.names, self.base = lagrangian, list(names), dict(base)
        self.source, self.tolerance = source, tolerance
        self.baseline: list[float] = []
        self.trainer: Any = None

    def attach(self, trainer: Any) -> None:
        """Bind the trainer whose `reward_weights` (GRPOConfig's reward_weights, as a tensor) this sets."""
        if not hasattr(trainer, "reward_weights"):
            raise RuntimeError("this TRL trainer keeps no reward_weights; the constrained objective needs GRPOTrainer")
        self.trainer = trainer
        self.apply()

    def current(self) -> list[float]:
        """The reward weights now, in the trainer's order."""
        weights = self.lag.weights(self.base)
        return [weights[name] for name in self.names]

    def apply(self) -> None:
        if self.trainer is not None:
            import torch

            self.trainer.reward_weights = torch.tensor(self.current(), dtype=torch.float32)

    def observe_probe(self, accuracy: float | None, step: int) -> None:
        """A monitor evaluation: the first one (before training) sets the automatic floor."""
        if self.source != "probes":
            return
        if self.lag.floor is None and accuracy is not None:
            self.lag.floor = max(0.0, accuracy - self.tolerance)
            logger.info("accuracy floor %.3f (base probe accuracy %.3f - %.3f)", self.lag.floor, accuracy,
                        self.tolerance)
            return  # the base model's accuracy is the reference, not evidence about the policy
        self.lag.observe(accuracy)

    def on_rewards(self, values: list[float | None], step: int,
                   log_metric: Callable[[str, float], None] | None) -> None:
        """After the correctness reward of a step: observe (rollouts), move lam, set weights, log."""
        if self.source == "rollouts":
            accuracy = mean_of(_gathered(values))
            if self.lag.floor is None and step < self.lag.delay:
                if accuracy is not None:
                    self.baseline.append(accuracy)
            elif self.lag.floor is None and self.baseline:
                self.lag.floor = max(0.0, sum(self.baseline) / len(self.baseline) - self.tolerance)
            self.lag.observe(accuracy)
        self.lag.update(step)
        self.apply()
        if log_metric is not None:
            for key, value in self.lag.metrics().items():
                log_metric(key, value)


class ConstrainedCorrectness:
    """The correctness reward of a constrained run: returns the inner reward's values, and drives the Controller."""

    def __init__(self, inner: Callable[..., list[float | None]], controller: Controller) -> None:
        self.inner, self.controller = inner, controller
        self.__name__ = getattr(inner, "__name__", CONSTRAINED)

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        values = self.inner(prompts, completions, **kwargs)
        state = kwargs.get("trainer_state")
        self.controller.on_rewards(values, int(getattr(state, "global_step", 0) or 0), kwargs.get("log_metric"))
        return values
