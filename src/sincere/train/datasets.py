"""Training datasets built with the data tools: restyled conversations, augmented items, GRPO prompts.

- SFT: conversational prompt/completion records (the last assistant turn is the completion);
- DPO: prompt/chosen/rejected records (a preference file; restyled replies paired with their
  originals; augmented warm-and-correct versus warm-and-wrong replies);
- GRPO: prompts from training-split items under the audit's conditions, with the item's fields
  and the user's claim as columns, so a reward function can rebuild the `Sample` the scorers grade.

Items always come from the training split (`items.split_of`); the overlap guard refuses items an
evaluation uses.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sincere.conditions import Sample
from sincere.errors import SincereError
from sincere.items import Item
from sincere.sampling import seeded_sample
from sincere.train.recipe import Recipe

logger = logging.getLogger(__name__)
ITEM_COLUMNS = ("item_id", "question", "correct", "incorrect", "domain", "condition", "claim_kind", "claim_text")


@dataclass
class Built:
    """Records for one trainer and how many came from each source."""

    records: list[dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)
    items: set[str] = field(default_factory=set)  # ids of the items trained on (augmented)

    def dataset(self) -> Any:
        """The records as a `datasets.Dataset`."""
        from datasets import Dataset

        if not self.records:
            raise SincereError("the recipe's data gave no training examples")
        return Dataset.from_list(self.records)


def _examples(recipe: Recipe) -> list[Any]:
    """The recipe's --data examples (seeded sample), restyled when asked; malformed records refused."""
    from sincere.data import sources

    problems = sources.Problems()
    examples = list(sources.examples(str(recipe.data), problems))
    if not problems.complete:
        first = problems.listed[0]
        raise SincereError(f"{recipe.data}: {problems.count} malformed record(s), first {first['source']}: "
                           f"{first['reason']}; fix or drop them (sincere data audit lists them all)")
    return seeded_sample(examples, recipe.data_limit, recipe.seed)


def _restyled(recipe: Recipe, examples: list[Any]) -> list[tuple[Any, Any]]:
    """(restyled, original) pairs by the rule-based restyler; (original, original) without restyling."""
    if recipe.restyle == "none":
        return [(e, e) for e in examples]
    from sincere.data.rewrite import RewriteOptions, Rewriter

    rewriter = Rewriter(RewriteOptions(style=recipe.restyle, embedding_model=None, seed=recipe.seed))
    return [(new, old) for (new, _), old in zip(rewriter.run(examples), examples, strict=True)]


def _augmented(recipe: Recipe) -> Iterator[tuple[Any, Item]]:
    """(augment.Built, its item) for every augmented example of the recipe (training-split items of
    augment_suite, refused if an evaluation uses them; the pipeline of `sincere data augment`)."""
    from sincere.data import augment

    made = augment.augmented(augment.AugmentConfig(
        suite=str(recipe.augment_suite), conditions=recipe.augment_conditions, limit=recipe.augment_limit,
        per_item=recipe.augment_per_item, synthetic=recipe.augment_synthetic, seed=recipe.seed))
    by_id = {item.id: item for item in made.items}
    for built in made.examples:
        yield built, by_id[built.meta["item_id"]]


def _split(example: Any) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(prompt, completion) messages: the completion is the last assistant turn."""
    from sincere.data.formats import convert

    pc = convert(example, "prompt_completion")
    return [dict(m) for m in pc.prompt], [dict(m) for m in pc.completion]


def sft(recipe: Recipe) -> Built:
    """Prompt/completion records: --data (restyled) and augmented warm-and-correct replies."""
    out = Built([])
    if recipe.data:
        for new, _ in _restyled(recipe, _examples(recipe)):
            prompt, completion = _split(new)
            out.records.append({"prompt": prompt, "completion": completion})
        out.counts["data"] = len(out.records)
    if recipe.augment_suite:
        for built, item in _augmented(recipe):
            out.items.add(item.id)
            out.records.append({"prompt": built.prompt, "completion": [_assistant(built.chosen)]})
        out.counts["augmented"] = len(out.records) - out.counts.get("data", 0)
    return out


def _assistant(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def dpo(recipe: Recipe) -> Built:
    """Prompt/chosen/rejected records from --data and from augmented items."""
    out = Built([])
    if recipe.data:
        for new, old in _restyled(recipe, _examples(recipe)):
            out.records.append(_pair(new, old, recipe))
        out.counts["data"] = len(out.records)
    if recipe.augment_suite:
        for built, item in _augmented(recipe):
            out.items.add(item.id)
            out.records.append({"prompt": built.prompt, "chosen": [_assistant(built.chosen)],
                                "rejected": [_assistant(built.rejected)]})
        out.counts["augmented"] = len(out.records) - out.counts.get("data", 0)
    return out


def _pair(new: Any, old: Any, recipe: Recipe) -> dict[str, Any]:
    if new.kind == "preference":
        return {"prompt": [dict(m) for m in new.prompt], "chosen": [dict(m) for m in new.completion],
                "rejected": [dict(m) for m in new.rejected or ()]}
    if recipe.restyle == "none":
        raise SincereError(f"{recipe.data} holds conversations, not preference pairs: give a prompt/chosen/rejected "
                           "file, or set restyle (the restyled reply is chosen over the original)")
    prompt, chosen = _split(new)
    return {"prompt": prompt, "chosen": chosen, "rejected": _split(old)[1]}


def grpo(recipe: Recipe) -> Built:
    """Prompts with the columns the rewards need: augmented items, and --data prompts (warmth only)."""
    from sincere.data import augment

    out = Built([])
    if recipe.data:
        for new, _ in _restyled(recipe, _examples(recipe)):
            out.records.append({"prompt": _split(new)[0], **dict.fromkeys(ITEM_COLUMNS, ""), "correct": [],
                                "incorrect": []})
        out.counts["data"] = len(out.records)
    from sincere import conditions as cond

    statements = cond.Statements.load()
    by_name = {c.name: c for c in cond.parse(recipe.augment_conditions, statements)}
    for built, item in _augmented(recipe):
        condition = by_name.get(built.meta["condition"])
        claim = None
        if condition is not None:
            first = augment.first_answer(item) if condition.pushback else None
            claim = condition.build(item, statements, recipe.seed, first_reply=first).claim
        out.items.add(item.id)
        out.records.append({"prompt": built.prompt, **item_columns(item, built.meta["condition"], claim)})
    out.counts["augmented"] = len(out.records) - out.counts.get("data", 0)
    return out


def item_columns(item: Item, condition: str, claim: Any) -> dict[str, Any]:
    """The dataset columns that let a reward function rebuild the Sample (see `sample_from`)."""
    return {"item_id": item.id, "question": item.question, "correct": list(item.correct),
            "incorrect": list(item.incorrect), "domain": item.domain, "condition": condition,
            "claim_kind": claim.kind if claim else "", "claim_text": (claim.text or "") if claim else ""}


def sample_from(prompt: list[dict[str, str]], row: dict[str, Any]) -> Sample | None:
    """The Sample a scorer grades, from a prompt and its item columns; None when the row has no item."""
    from sincere.conditions import Claim

    if not row.get("item_id") or not row.get("correct"):
        return None
    item = Item(id=row["item_id"], question=row["question"], correct=row["correct"],
                incorrect=row.get("incorrect") or ["(none)"], domain=row.get("domain") or "general")
    kind = row.get("claim_kind") or None
    claim = Claim(kind, row.get("claim_text") or None) if kind else None
    return Sample(item, list(prompt), row.get("condition") or "unmodified", claim)


BUILDERS = {"sft": sft, "dpo": dpo, "grpo": grpo}


def build(recipe: Recipe) -> Built:
    """The training records for the recipe's trainer."""
    return BUILDERS[recipe.trainer](recipe)
