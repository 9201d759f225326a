"""Activation vectors in a training run: preventative steering (`steer`) and the monitor's projection (`vectors`).

- `steer: FILE[:LAYER[:COEF]]` adds COEF x the trait's unit direction to the residual stream after
  LAYER on every training forward pass (Chen et al. 2025: the optimiser then has no need to move
  the weights along the trait), or projects the direction out when COEF is `ablate`. LAYER is an
  integer, several joined by commas, or `best` (the file's chosen layer); the default is `best:4`.
  The hooks are paused while the monitor evaluates (it sees the model as it will be used) and
  removed when training ends, before the model is saved: the adapter carries no trace of them.
- `vectors: FILE` (default: the steer file): at each monitor evaluation, the probe replies the
  monitor has just generated are projected, with their conversations and the live weights
  (steering paused), on the trait's unit direction at the file's chosen layer. The metrics are
  `projection` (mean over the reply tokens, every probe), `projection/<condition>` (e.g. the
  false-belief probes, `projection/sad+incorrect`) and `projection/prompt_last` (the last prompt
  token: independent of the reply, so it moves only with the weights).

No torch at import: the recipe parses `steer` with `SteerSpec.parse` (`sincere.vectors.spec`, the
grammar the audit's `--steer` uses too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sincere.stats import mean_of
from sincere.vectors.spec import SteerSpec

if TYPE_CHECKING:
    from sincere.train.recipe import Recipe
    from sincere.vectors.steer import Steering
    from sincere.vectors.store import TraitVectors

Evaluator = Callable[[Any, Any], dict[str, Any]]  # (model, tokenizer) -> metrics, as the monitor's


@dataclass
class RunVectors:
    """The vectors a recipe uses, read before the run folder is made (a bad file fails fast)."""

    steer: SteerSpec | None = None
    steer_vectors: TraitVectors | None = None
    monitor: TraitVectors | None = None
    monitor_path: str | None = None

    @classmethod
    def load(cls, recipe: Recipe) -> RunVectors:
        """Read the steer and monitor vectors files and check the steered layers against them."""
        from sincere.vectors.store import load

        found = cls()
        if recipe.steer:
            found.steer = SteerSpec.parse(recipe.steer)
            found.steer_vectors = load(found.steer.path)
            for layer in found.steer.layers or ():
                found.steer_vectors.check_layer(layer)
        if recipe.monitor_every and (recipe.vectors or found.steer):
            found.monitor_path = recipe.vectors or str(found.steer.path)  # type: ignore[union-attr]
            found.monitor = load(recipe.vectors) if recipe.vectors else found.steer_vectors
        return found

    def check_model(self, model: Any) -> None:
        """SincereError unless every vectors file was extracted from a model of this shape."""
        for vectors in (self.steer_vectors, self.monitor):
            if vectors is not None:
                vectors.check_model(model)

    def steering(self, model: Any) -> Steering | None:
        """The (detached) preventative steering of the recipe, or None."""
        if self.steer is None or self.steer_vectors is None:
            return None
        from sincere.vectors.steer import steering_for

        return steering_for(model, self.steer, self.steer_vectors)

    def describe(self) -> dict[str, Any]:
        """The summary's `vectors` entry: what was steered and what the monitor projected on."""
        out: dict[str, Any] = {}
        if self.steer is not None and self.steer_vectors is not None:
            out["steer"] = {"path": str(self.steer.path), "label": self.steer.label(self.steer_vectors)}
        if self.monitor is not None:
            out["projection"] = {"path": self.monitor_path, "trait": self.monitor.trait, "layer": self.monitor.layer}
        return out


def paused(evaluate: Evaluator, steering: Steering) -> Evaluator:
    """The evaluator run with the steering hooks off (re-attached afterwards when they were on)."""

    def run(model: Any, tokenizer: Any) -> dict[str, Any]:
        with steering.paused():
            return evaluate(model, tokenizer)

    return run


def with_projection(evaluate: Evaluator, probes: Any, vectors: TraitVectors) -> Evaluator:
    """The probe evaluator plus the projection metrics of the replies it has just generated (`probes.rows`)."""

    def run(model: Any, tokenizer: Any) -> dict[str, Any]:
        metrics = evaluate(model, tokenizer)
        return {**metrics, **projection_metrics(model, tokenizer, probes.rows, vectors)}

    return run


def projection_metrics(model: Any, tokenizer: Any, rows: Sequence[dict[str, Any]],
                       vectors: TraitVectors) -> dict[str, float | None]:
    """Mean projections of audit rows' (messages, response) on the trait at the vectors' chosen layer."""
    from sincere.vectors.monitor import project

    found = project(model, tokenizer, [r["messages"] for r in rows], [r["response"] for r in rows], vectors)
    responses = [p.response for p in found]
    out = {"projection": mean_of(responses), "projection/prompt_last": mean_of([p.prompt_last for p in found])}
    for condition in dict.fromkeys(r["condition"] for r in rows):
        chosen = [v for v, r in zip(responses, rows, strict=True) if r["condition"] == condition]
        out[f"projection/{condition}"] = mean_of(chosen)
    return out


