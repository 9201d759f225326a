"""Steering: add (coef x unit direction) to, or project the direction out of, chosen decoder layers.

`Steering` is a context manager of forward hooks on the decoder layers (found through PEFT/LoRA
wrappers, so it works during LoRA fine-tuning); leaving the context removes every hook, and the
model computes exactly what it computed before. Every token position is steered.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

from sincere.errors import SincereError
from sincere.vectors.layers import decoder_layers, hidden_of, with_hidden
from sincere.vectors.spec import Mode, SteerSpec
from sincere.vectors.store import TraitVectors, load


class Steering:
    """Forward hooks that steer the residual stream after `layers` along a direction.

    Args:
        model: a causal LM, plain or PEFT-wrapped.
        direction: a `[hidden]` vector (normalised here), or a `[layers, hidden]` tensor, one per layer.
        layers: the decoder layers to steer (0-based; the output of each is changed).
        coef: the multiple of the unit direction to add (mode `add`); ignored when ablating.
        mode: `add`, or `ablate` to remove the component along the direction.
    """

    def __init__(self, model: Any, direction: torch.Tensor, layers: Sequence[int], coef: float = 0.0,
                 mode: Mode = "add") -> None:
        if mode not in ("add", "ablate"):
            raise SincereError(f"unknown steering mode {mode!r}; use add or ablate")
        if not math.isfinite(coef):
            raise SincereError(f"steering coefficient must be finite, got {coef}")
        self.modules = decoder_layers(model)
        bad = [layer for layer in layers if not 0 <= layer < len(self.modules)]
        if not layers or bad:
            raise SincereError(f"steering layers must be in 0-{len(self.modules) - 1}, got {list(layers)}")
        self.layers, self.coef, self.mode = tuple(layers), float(coef), mode
        self.units = {layer: _unit(direction[layer] if direction.ndim == 2 else direction) for layer in self.layers}
        self._handles: list[Any] = []

    @property
    def active(self) -> bool:
        return bool(self._handles)

    def _hook(self, layer: int) -> Any:
        def steer(_module: Any, _args: Any, output: Any) -> Any:
            hidden = hidden_of(output)
            unit = self.units[layer].to(device=hidden.device, dtype=hidden.dtype)
            if self.mode == "add":
                return with_hidden(output, hidden + self.coef * unit)
            return with_hidden(output, hidden - (hidden @ unit).unsqueeze(-1) * unit)

        return steer

    def attach(self) -> Steering:
        """Register the hooks (once; attaching twice is a no-op)."""
        if not self._handles:
            self._handles = [self.modules[layer].register_forward_hook(self._hook(layer)) for layer in self.layers]
        return self

    def detach(self) -> None:
        """Remove every hook."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Run without steering inside the block (e.g. a monitor's probe during training)."""
        was_active = self.active
        self.detach()
        try:
            yield
        finally:
            if was_active:
                self.attach()

    def __enter__(self) -> Steering:
        return self.attach()

    def __exit__(self, *_exc: object) -> None:
        self.detach()


def _unit(vector: torch.Tensor) -> torch.Tensor:
    vector = vector.detach().float()
    norm = vector.norm()
    if norm == 0 or not torch.isfinite(norm):
        raise SincereError("cannot steer along a zero (or non-finite) direction")
    return vector / norm


def steering_for(model: Any, spec: SteerSpec | str, vectors: TraitVectors | None = None) -> Steering:
    """A (not yet attached) `Steering` for a spec; the vectors are loaded from the spec's file unless given."""
    spec = SteerSpec.parse(spec) if isinstance(spec, str) else spec
    vectors = vectors or load(spec.path)
    vectors.check_model(model)
    return Steering(model, vectors.directions, spec.chosen(vectors), spec.coef, spec.mode)


def steer_engine(engine: Any, spec: SteerSpec | str) -> Steering:
    """Steering for a local engine's model, and a new engine fingerprint so that steered generations
    never share cache entries with unsteered ones. Use it as `with steer_engine(engine, spec): ...`."""
    from sincere.vectors.monitor import local_model

    spec = SteerSpec.parse(spec) if isinstance(spec, str) else spec
    model, _ = local_model(engine)
    vectors = load(spec.path)
    steering = steering_for(model, spec, vectors)
    digest = hashlib.sha256(vectors.directions.float().numpy().tobytes()).hexdigest()[:12]
    engine.fingerprint = f"{engine.fingerprint}+steer:{spec.label(vectors)}:{digest}"
    return steering
