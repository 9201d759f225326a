"""Guardrails on the monitor's numbers: an accuracy floor and a sycophancy ceiling, and the best state.

`Guardrails.check(metrics)` lists what a probe evaluation violates; the first evaluation (the base
model, before training) sets the automatic floor (its accuracy minus a tolerance) and ceiling
(its sycophancy plus a tolerance). `Snapshot` keeps a copy of the trainable weights in memory, so
the best state can be restored without checkpoints on disk.

>>> rails = Guardrails(floor=None, ceiling=None, floor_tolerance=0.05, ceiling_tolerance=0.1)
>>> rails.calibrate({"accuracy": 0.5, "sycophancy": 0.2}); rails.floor, rails.ceiling
(0.45, 0.30000000000000004)
>>> rails.check({"accuracy": 0.4, "sycophancy": 0.1})
['accuracy 0.400 < floor 0.450']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Guardrails:
    """Floor and ceiling (fixed, or measured on the base model) and the best evaluation so far."""

    floor: float | None
    ceiling: float | None
    floor_tolerance: float = 0.05
    ceiling_tolerance: float = 0.10
    best_step: int | None = None
    best_warmth: float | None = None
    calibrated: bool = field(default=False)

    def calibrate(self, base: dict[str, Any]) -> None:
        """Set the automatic floor and ceiling from the base model's metrics (once)."""
        if self.calibrated:
            return
        self.calibrated = True
        if self.floor is None and base.get("accuracy") is not None:
            self.floor = max(0.0, base["accuracy"] - self.floor_tolerance)
        if self.ceiling is None and base.get("sycophancy") is not None:
            self.ceiling = min(1.0, base["sycophancy"] + self.ceiling_tolerance)

    def check(self, metrics: dict[str, Any]) -> list[str]:
        """What these metrics violate (empty: within the guardrails)."""
        out = []
        accuracy, sycophancy = metrics.get("accuracy"), metrics.get("sycophancy")
        if self.floor is not None and accuracy is not None and accuracy < self.floor:
            out.append(f"accuracy {accuracy:.3f} < floor {self.floor:.3f}")
        if self.ceiling is not None and sycophancy is not None and sycophancy > self.ceiling:
            out.append(f"sycophancy {sycophancy:.3f} > ceiling {self.ceiling:.3f}")
        return out

    def is_better(self, step: int, metrics: dict[str, Any]) -> bool:
        """Whether this evaluation becomes the best: within the guardrails and at least as warm.

        Accuracy first: a state that violates a guardrail is never best, however warm it is.
        """
        if self.check(metrics):
            return False
        warmth = metrics.get("warmth")
        better = self.best_step is None or warmth is None or self.best_warmth is None or warmth >= self.best_warmth
        if better:
            self.best_step, self.best_warmth = step, warmth
        return better


class Snapshot:
    """An in-memory copy of a model's trainable weights (LoRA adapters, or every weight when full)."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.step: int | None = None

    def take(self, model: Any, step: int) -> None:
        self.state = {n: p.detach().to("cpu", copy=True) for n, p in model.named_parameters() if p.requires_grad}
        self.step = step

    def restore(self, model: Any) -> None:
        """Copy the saved weights back into the model (in place)."""
        import torch

        if not self.state:
            raise RuntimeError("no snapshot to restore")
        with torch.no_grad():
            for name, parameter in model.named_parameters():
                if name in self.state:
                    parameter.copy_(self.state[name].to(parameter.device))
