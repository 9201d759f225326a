"""A trait's directions (one per layer) with their provenance, saved as safetensors + JSON.

`FILE.safetensors` holds the `[layers, hidden]` difference-of-means directions and, in its
metadata, the provenance as JSON; `FILE.json` beside it repeats the provenance for people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from sincere import jsonl
from sincere.errors import SincereError
from sincere.vectors.layers import decoder_layers, unwrap

FORMAT = "sincere-vectors/1"


@dataclass
class TraitVectors:
    """Difference-of-means directions `[layers, hidden]` for one trait; `layer` is the chosen one."""

    trait: str
    directions: torch.Tensor
    layer: int
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.directions.ndim != 2:
            raise ValueError(f"directions must be [layers, hidden], got shape {tuple(self.directions.shape)}")
        self.check_layer(self.layer)

    @property
    def n_layers(self) -> int:
        return int(self.directions.shape[0])

    def check_layer(self, layer: int) -> int:
        """The layer, or a SincereError naming the valid range."""
        if not 0 <= layer < self.n_layers:
            raise SincereError(f"layer {layer} out of range: {self.trait} vectors have layers 0-{self.n_layers - 1}")
        return layer

    @property
    def window(self) -> int | None:
        """Reply tokens a projection averages over (the first N; None: all), as chosen at extraction."""
        value = self.meta.get("window")
        return int(value) if value is not None else None

    def unit(self, layer: int | None = None) -> torch.Tensor:
        """The unit-norm direction at a layer (default: the chosen layer)."""
        vector = self.directions[self.check_layer(self.layer if layer is None else layer)].float()
        norm = vector.norm()
        if norm == 0:
            raise SincereError(f"the {self.trait} direction at layer {layer} is zero")
        return vector / norm

    def check_model(self, model: Any) -> None:
        """SincereError unless the model has as many layers and the same hidden size as the vectors."""
        layers = len(decoder_layers(model))
        hidden = unwrap(model).config.get_text_config().hidden_size
        if (layers, hidden) != tuple(self.directions.shape):
            raise SincereError(
                f"{self.trait} vectors are for {self.n_layers} layers x {self.directions.shape[1]} hidden, "
                f"the model has {layers} x {hidden}: extract them for this model"
            )

    def provenance(self) -> dict[str, Any]:
        return {"format": FORMAT, "trait": self.trait, "layer": self.layer, **self.meta}

    def save(self, path: str | Path) -> Path:
        """Write `path` (`.safetensors` is added when missing) and the JSON provenance beside it."""
        from safetensors.torch import save_file

        path = Path(path)
        if path.suffix != ".safetensors":
            path = path.with_name(path.name + ".safetensors")
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.provenance(), ensure_ascii=False)
        save_file({"directions": self.directions.float().contiguous()}, str(path), metadata={"provenance": text})
        with jsonl.atomic_writer(path.with_suffix(".json")) as handle:
            json.dump(self.provenance(), handle, indent=1, ensure_ascii=False)
        return path


def load(path: str | Path) -> TraitVectors:
    """Read a vectors file written by `TraitVectors.save`."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if not path.is_file() and path.with_name(path.name + ".safetensors").is_file():
        path = path.with_name(path.name + ".safetensors")
    if not path.is_file():
        raise SincereError(f"{path}: no such vectors file (make one with `sincere vectors extract`)")
    try:
        with safe_open(str(path), framework="pt") as handle:
            info = json.loads((handle.metadata() or {}).get("provenance", "{}"))
            directions = handle.get_tensor("directions")
    except (SafetensorError, OSError, json.JSONDecodeError, KeyError) as exc:
        raise SincereError(f"{path}: not a sincere vectors file ({exc})") from None
    if info.get("format") != FORMAT:
        raise SincereError(f"{path}: not a sincere vectors file (format {info.get('format')!r}, expected {FORMAT})")
    meta = {k: v for k, v in info.items() if k not in ("format", "trait", "layer")}
    return TraitVectors(info["trait"], directions, int(info["layer"]), meta)
