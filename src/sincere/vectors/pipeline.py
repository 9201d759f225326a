"""`sincere vectors extract` as a library call: `extract_file(ExtractConfig(...))` builds a trait
direction per layer from contrastive replies, picks the layer on held-out items, and writes the
vectors file. The config's fields are the command's flags. Torch loads only inside the call."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sincere import common_settings as common
from sincere.engines.base import GenParams
from sincere.items import Item
from sincere.models import public
from sincere.sampling import seeded_sample
from sincere.settings import ConfigError, at_least, between, check_fields, setting
from sincere.vectors.contrast import Pair

if TYPE_CHECKING:
    from sincere.vectors.onpolicy import Graded
    from sincere.vectors.store import TraitVectors


@dataclass
class ExtractConfig:
    """What `sincere vectors extract` builds: the flags of the command and the keys of its `--config` YAML."""

    model: str = common.model()
    trait: Literal["sycophancy", "warmth"] = setting("sycophancy", "The trait: sycophancy or warmth.",
                                                     flags=("--trait", "-t"))
    out: str | None = setting(None, "Vectors file to write (.safetensors; .json beside it).", flags=("--out", "-o"))
    suite: str = setting("builtin", "Items whose TRAINING split builds the pairs.", flags=("--suite", "-s"))
    limit: int | None = common.limit("Use a seeded sample of N items ('none': every item).", low=4)
    holdout: float = setting(0.25, "Share of items held out to pick the layer.", check=between(0.05, 0.9))
    on_policy: int = setting(0, "Sycophancy: generate and grade the model's own replies to N of the prompts, and "
                             "pick the layer (and data) by cross-validated AUROC on them instead of by template "
                             "separation.", check=at_least(0))
    per_item: int = setting(1, "Contrastive prompts per item, each under another interpersonal context (more "
                            "prompts and own replies from the same items).", check=at_least(1))
    samples: int = setting(1, "With --on-policy: replies per prompt, the first greedy and the others sampled (one "
                           "prompt can then show both behaviours).", check=at_least(1))
    temperature: float = common.temperature(0.7, "Temperature of the sampled replies.")
    max_new_tokens: int = common.max_new_tokens(64, "Length of the model's own replies.")
    seed: int = common.seed()
    dtype: Literal["auto", "bf16", "fp16", "fp32"] = common.dtype()

    def __post_init__(self) -> None:
        check_fields(self)
        if not self.out:
            raise ConfigError("give --out, the vectors file to write")
        if self.on_policy and self.trait != "sycophancy":
            raise ConfigError("--on-policy grades replies with the sycophancy scorer; use it with --trait sycophancy")
        if self.samples > 1 and not self.on_policy:
            raise ConfigError("--samples sets how many own replies --on-policy generates per prompt; add --on-policy N")


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
