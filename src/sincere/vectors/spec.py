"""`steer: FILE[:LAYER[:COEF]]`, the one steering grammar of the audit and of training.

LAYER is an integer, several joined by commas, or `best` (the file's chosen layer; the default);
COEF is a number (default 4) or `ablate`, which projects the direction out. No torch here.

>>> SteerSpec.parse("syc.safetensors:10,12:-2").layers
(10, 12)
>>> SteerSpec.parse("syc.safetensors").coef, SteerSpec.parse("syc.safetensors:best:ablate").mode
(4.0, 'ablate')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sincere.errors import SincereError

if TYPE_CHECKING:
    from sincere.vectors.store import TraitVectors

Mode = Literal["add", "ablate"]
DEFAULT_COEF = 4.0


@dataclass(frozen=True)
class SteerSpec:
    """A parsed `FILE[:LAYER[:COEF]]`: layers None means the file's chosen layer; mode ablate has no coef."""

    path: Path
    layers: tuple[int, ...] | None = None
    coef: float = DEFAULT_COEF
    mode: Mode = "add"

    @classmethod
    def parse(cls, text: str) -> SteerSpec:
        """Parse `FILE[:LAYER[:COEF]]`; a one-line SincereError naming the part that is wrong."""
        parts = [p.strip() for p in text.rsplit(":", 2)]
        if not all(parts):
            raise SincereError(f"steer {text!r}: expected FILE[:LAYER[:COEF]], e.g. syc.safetensors:12:4")
        path, layer_text, coef_text = (parts + ["best", f"{DEFAULT_COEF:g}"][len(parts) - 1:])[:3]
        layers = _layers(layer_text, text)
        if coef_text == "ablate":
            return cls(Path(path), layers, 0.0, "ablate")
        try:
            coef = float(coef_text)
        except ValueError:
            raise SincereError(f"steer {text!r}: COEF must be a number or 'ablate', got {coef_text!r}") from None
        if not math.isfinite(coef):
            raise SincereError(f"steer {text!r}: COEF must be finite")
        return cls(Path(path), layers, coef)

    def chosen(self, vectors: TraitVectors) -> tuple[int, ...]:
        """The layers steered with these vectors (checked against the file)."""
        return tuple(vectors.check_layer(layer) for layer in self.layers or (vectors.layer,))

    def label(self, vectors: TraitVectors) -> str:
        """A short, stable description, e.g. `sycophancy@12:+4` or `sycophancy@10,12:ablate`."""
        layers = ",".join(map(str, self.layers or (vectors.layer,)))
        return f"{vectors.trait}@{layers}:" + ("ablate" if self.mode == "ablate" else f"{self.coef:+g}")


def _layers(value: str, text: str) -> tuple[int, ...] | None:
    if value == "best":
        return None
    layers = []
    for part in value.split(","):
        if part.strip() == "best":
            raise SincereError(f"steer {text!r}: LAYER is best or integers joined by commas, not both")
        try:
            layers.append(int(part))
        except ValueError:
            raise SincereError(f"steer {text!r}: LAYER must be an integer or 'best', got {part.strip()!r}") from None
    if min(layers) < 0:
        raise SincereError(f"steer {text!r}: LAYER must be >= 0")
    return tuple(dict.fromkeys(layers))
