"""The one seeded sample every command draws (`--limit N`, `data_limit`, probe sets...): the same
seed picks the same positions of the same list in every command, and the sample keeps the list's
order.

>>> seeded_sample(list("abcdef"), 3, seed=0)
['a', 'd', 'f']
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def seeded_sample(values: Sequence[T], n: int | None, seed: int | str) -> list[T]:
    """At most `n` of `values` (all of them when n is None or not smaller), chosen by `seed`, in their order."""
    if n is None or n >= len(values):
        return list(values)
    keep = set(random.Random(seed).sample(range(len(values)), n))
    return [value for i, value in enumerate(values) if i in keep]
