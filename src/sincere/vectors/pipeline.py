"""The `sincere vectors` commands as library calls, each with its settings class (`configs.py`):
`extract_file` builds a trait direction per layer from contrastive replies and picks the layer on
held-out items; `check_file` measures how well the projection predicts graded behaviour;
`screen_file` flags training examples that push the model toward the trait. Torch loads only
inside the calls."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sincere import jsonl
from sincere.engines.base import GenParams
from sincere.errors import SincereError
from sincere.items import Item
from sincere.models import public, scrub
from sincere.sampling import seeded_sample
from sincere.vectors.configs import CheckConfig, ExtractConfig, ScreenConfig
from sincere.vectors.contrast import Pair

if TYPE_CHECKING:
    from sincere.data.formats import Example
    from sincere.vectors.onpolicy import Graded
    from sincere.vectors.screen import ScreenRow
    from sincere.vectors.store import TraitVectors


def extract_file(config: ExtractConfig) -> tuple[TraitVectors, Path]:
    """Extract the config's trait from its model and write the vectors file; returns the vectors and the path."""
    from sincere import items as items_mod
    from sincere.vectors import contrast
    from sincere.vectors.extract import extract

    chosen = seeded_sample(items_mod.load(config.suite, split="train"), config.limit, config.seed)
    pairs = contrast.pairs(config.trait, chosen, seed=config.seed, per_item=config.per_item)
    engine = local_engine(config.model, config.dtype)
    provenance = {"model": public(config.model), "fingerprint": engine.fingerprint, "suite": config.suite,
                  "split": "train", "per_item": config.per_item,
                  **({"samples": config.samples, "temperature": config.temperature} if config.samples > 1 else {}),
                  "dtype": str(engine.model.dtype).removeprefix("torch.")}
    own = _own_replies(engine, pairs, chosen, config) if config.on_policy else None
    vectors = extract(engine.model, engine.tokenizer, pairs, trait=config.trait, holdout=config.holdout,
                      seed=config.seed, provenance=provenance, own=own)
    return vectors, vectors.save(str(config.out))


def local_engine(model: str, dtype: str = "auto", batch_size: int | None = None) -> Any:
    """A local transformers engine (a server engine is refused: vectors need the model's activations)."""
    from sincere.engines import load_engine
    from sincere.vectors.monitor import local_model

    engine = load_engine(model, batch_size=batch_size, dtype=dtype)
    local_model(engine)
    return engine


def _own_replies(engine: Any, pairs: list[Pair], chosen: list[Item], config: ExtractConfig) -> list[Graded]:
    """The model's graded replies (`samples` per prompt) to the prompts of a seeded sample of items."""
    from sincere.vectors.onpolicy import graded_replies

    sample = {i.id for i in seeded_sample(chosen, config.on_policy, config.seed)}
    picked = [k for k, p in enumerate(pairs) if p.item_id in sample]
    params = GenParams(config.max_new_tokens, seed=config.seed)
    graded = graded_replies(engine, [pairs[k] for k in picked], params, config.samples, config.temperature)
    return [replace(g, pair=picked[g.pair]) for g in graded]


def check_file(config: CheckConfig) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Answer, grade and project the held-out items; write results.jsonl and summary.json to `out` when set."""
    from sincere.vectors.check import run_check
    from sincere.vectors.store import load

    if not config.vectors:
        raise SincereError("give the VECTORS file to check")
    vectors = load(config.vectors)
    model = config.model or vectors.meta.get("model") or "smollm2-135m"
    rows, statistics = run_check(local_engine(model, batch_size=config.batch_size), vectors, config, model)
    if config.out:
        out = Path(config.out)
        with jsonl.atomic_writer(out / "results.jsonl") as handle:
            handle.writelines(jsonl.dumps(row) + "\n" for row in rows)
        with jsonl.atomic_writer(out / "summary.json") as handle:
            json.dump({"config": scrub(asdict(config)), "model": public(model), "vectors": str(config.vectors),
                       "statistics": statistics}, handle, indent=1)
    return rows, statistics


def screen_file(config: ScreenConfig) -> tuple[list[Example], list[ScreenRow], int]:
    """(the examples, their screen rows, how many malformed records were skipped); writes `out` when set."""
    from itertools import islice

    from sincere.data import sources
    from sincere.vectors.screen import screen_engine
    from sincere.vectors.store import load

    if not config.vectors:
        raise SincereError("give the VECTORS file to screen with")
    vectors = load(config.vectors)
    problems = sources.Problems()
    examples = list(islice(sources.examples(str(config.data), problems), config.limit))
    engine = local_engine(config.model or vectors.meta.get("model") or "smollm2-135m")
    rows = screen_engine(engine, [list(e.messages) for e in examples], vectors, share=config.share,
                         params=GenParams(max_new_tokens=config.max_new_tokens))
    if config.out:
        with jsonl.atomic_writer(config.out, protect=sources.input_paths(str(config.data))) as handle:
            handle.writelines(jsonl.dumps({"id": examples[r.index].id, **r.as_dict()}) + "\n" for r in rows)
    return examples, rows, problems.count
