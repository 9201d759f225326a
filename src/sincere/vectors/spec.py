"""`--steer FILE:LAYER:COEF`: a vectors file, a layer (`best`: the file's chosen layer) and a
coefficient, or `ablate` instead of a coefficient to project the direction out. No torch here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sincere.errors import SincereError

if TYPE_CHECKING:
    from sincere.vectors.store import TraitVectors

Mode = Literal["add", "ablate"]


@dataclass(frozen=True)
class SteerSpec:
    """A parsed `FILE:LAYER:COEF`: layer None means the file's chosen layer; mode ablate has no coef."""

    path: Path
    layer: int | None
    coef: float
    mode: Mode = "add"

    @classmethod
    def parse(cls, text: str) -> SteerSpec:
        """Parse `FILE:LAYER:COEF` (LAYER an integer or `best`; COEF a number or `ablate`)."""
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise SincereError(f"--steer {text!r}: expected FILE:LAYER:COEF, e.g. syc.safetensors:best:-4")
        path, layer_text, coef_text = (p.strip() for p in parts)
        layer = None if layer_text == "best" else _integer(layer_text, text)
        if coef_text == "ablate":
            return cls(Path(path), layer, 0.0, "ablate")
        try:
            coef = float(coef_text)
        except ValueError:
            raise SincereError(f"--steer {text!r}: COEF must be a number or 'ablate', got {coef_text!r}") from None
        if not math.isfinite(coef):
            raise SincereError(f"--steer {text!r}: COEF must be finite")
        return cls(Path(path), layer, coef)

    def label(self, vectors: TraitVectors) -> str:
        """A short, stable description, e.g. `sycophancy@12:+4` or `sycophancy@12:ablate`."""
        layer = vectors.layer if self.layer is None else self.layer
        how = "ablate" if self.mode == "ablate" else f"{self.coef:+g}"
        return f"{vectors.trait}@{layer}:{how}"


def _integer(value: str, text: str) -> int:
    try:
        layer = int(value)
    except ValueError:
        raise SincereError(f"--steer {text!r}: LAYER must be an integer or 'best', got {value!r}") from None
    if layer < 0:
        raise SincereError(f"--steer {text!r}: LAYER must be >= 0")
    return layer
