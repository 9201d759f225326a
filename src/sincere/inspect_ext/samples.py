"""The sincere sample behind an Inspect sample of `sincere/audit`, for the scorers and the log reader.
No Inspect import here: the log reader is loaded by `sincere compare` whether or not Inspect is installed."""

from __future__ import annotations

from typing import Any

from sincere.conditions import Claim, Sample
from sincere.errors import SincereError
from sincere.items import Item


def sincere_sample(metadata: dict[str, Any] | None, messages: list[Any]) -> Sample:
    """The sincere sample of an Inspect sample of `sincere/audit` (its metadata and its messages, the reply
    last): the item, condition, claim and prompt, as the audit built them."""
    meta = metadata or {}
    if "item" not in meta or "condition" not in meta:
        raise SincereError("not a sample of the sincere/audit task (its metadata holds no item)")
    claim = Claim(**meta["claim"]) if meta.get("claim") else None
    prompt = [{"role": m.role, "content": m.text} for m in messages[:-1]]
    return Sample(Item.model_validate(meta["item"]), prompt, meta["condition"], claim)
