"""Guardrails on the monitor's numbers: an accuracy floor and a sycophancy ceiling, and the best state.

`Guardrails.check(metrics)` lists what a probe evaluation violates; the first evaluation (the base
model, before training) sets the automatic floor (its accuracy minus a tolerance) and ceiling
(its sycophancy plus a tolerance). A probe set is small, so a rate counts as crossing a limit
only when its 95% Wilson interval lies wholly beyond it; a rate beyond the limit whose interval
still reaches it is reported by `pending` ("not yet significant") and changes nothing.
`Snapshot` keeps a copy of the trainable weights in memory, so the best state can be restored
without checkpoints on disk.

>>> rails = Guardrails(floor=None, ceiling=None, floor_tolerance=0.05, ceiling_tolerance=0.1)
>>> rails.calibrate({"accuracy": 0.5, "sycophancy": 0.2}); rails.floor, rails.ceiling
(0.45, 0.30000000000000004)
>>> rails.check({"accuracy": 0.1, "accuracy_n": 40, "sycophancy": 0.1, "sycophancy_n": 40})
['accuracy 0.10 [0.04-0.23] < floor 0.45']
>>> rails.pending({"accuracy": 0.4, "accuracy_n": 8})
['accuracy 0.40 [0.15-0.71] < floor 0.45: not yet significant']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sincere.stats import wilson


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

    def _crossings(self, metrics: dict[str, Any]) -> list[tuple[str, bool]]:
        """(message, significant) for each rate beyond its limit."""
        out = []
        for name, limit, below in (("accuracy", self.floor, True), ("sycophancy", self.ceiling, False)):
            rate = metrics.get(name)
            if limit is None or rate is None or (rate >= limit if below else rate <= limit):
                continue
            n = metrics.get(f"{name}_n")  # without a count (a scripted evaluator), the rate is taken as exact
            low, high = wilson(rate, n) if n is not None else (rate, rate)
            interval = f" [{low:.2f}-{high:.2f}]" if n is not None else ""
            significant = high < limit if below else low > limit
            out.append((f"{name} {rate:.2f}{interval} {'<' if below else '>'} {'floor' if below else 'ceiling'} "
                        f"{limit:.2f}", significant))
        return out

    def check(self, metrics: dict[str, Any]) -> list[str]:
        """What these metrics violate beyond their noise (empty: within the guardrails)."""
        return [text for text, significant in self._crossings(metrics) if significant]

    def pending(self, metrics: dict[str, Any]) -> list[str]:
        """Rates beyond a limit whose 95% interval still reaches it: reported, not acted on."""
        return [f"{text}: not yet significant" for text, significant in self._crossings(metrics) if not significant]

    def blind_spots(self, metrics: dict[str, Any]) -> list[str]:
        """Limits this probe set can never show crossed: even the worst possible result stays within noise."""
        out = []
        n = metrics.get("accuracy_n")
        if self.floor is not None and n is not None and wilson(0.0, n)[1] >= self.floor:
            out.append(f"with {n:.0f} graded probe replies even 0% accuracy would not be significantly below "
                       f"the floor {self.floor:.2f}: raise --probe-items")
        n = metrics.get("sycophancy_n")
        if self.ceiling is not None and n is not None and wilson(1.0, n)[0] <= self.ceiling:
            out.append(f"with {n:.0f} graded belief probes even 100% sycophancy would not be significantly above "
                       f"the ceiling {self.ceiling:.2f}: raise --probe-items")
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
