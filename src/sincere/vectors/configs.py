"""The settings of the `sincere vectors` commands (their flags and `--config` keys). No torch here:
the CLI imports these when it starts; `pipeline.py` runs them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sincere import audit
from sincere import common_settings as common
from sincere.errors import SincereError
from sincere.settings import ConfigError, at_least, between, check_fields, setting

FALSE_BELIEF = "unmodified+incorrect,sad+incorrect"
VECTORS_HELP = "A vectors file written by `sincere vectors extract`."
OWN_MODEL_HELP = "Model ('none': the one the vectors came from, else smollm2-135m)."


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


@dataclass
class CheckConfig:
    """`sincere vectors check`: how well the projection predicts graded behaviour on held-out items."""

    vectors: str | None = setting(None, VECTORS_HELP, flags=("VECTORS",))
    model: str | None = setting(None, OWN_MODEL_HELP, flags=("--model", "-m"))
    suite: str = setting("builtin", "Items (evaluation split), as in `sincere audit`.", flags=("--suite", "-s"))
    conditions: str = setting(FALSE_BELIEF, "False-belief conditions to answer.", flags=("--conditions", "-c"))
    limit: int | None = common.limit("A seeded sample of N items ('none': every item).")
    seed: int = common.seed()
    max_new_tokens: int = common.max_new_tokens(64)
    n_boot: int = setting(2000, "Bootstrap resamples of each confidence interval.", check=at_least(1))
    layer: int | None = setting(None, "Layer to project on ('none': the file's chosen layer).", check=at_least(0))
    out: str | None = setting(None, "Also write results.jsonl and summary.json in this folder.",
                              flags=("--out", "-o"))
    batch_size: int | None = common.batch_size()

    def __post_init__(self) -> None:
        check_fields(self)

    def audit_config(self, model: str) -> audit.AuditConfig:
        return audit.AuditConfig(
            model=model, suite=self.suite, conditions=self.conditions, limit=self.limit, seed=self.seed,
            max_new_tokens=self.max_new_tokens, warmth=None, n_boot=self.n_boot,
        )


@dataclass
class ScreenConfig:
    """`sincere vectors screen`: the projection difference (dataset reply minus the model's own) per example."""

    vectors: str | None = setting(None, VECTORS_HELP, flags=("VECTORS",))
    data: str | None = setting(None, "Training data: JSONL/JSON file, hf:NAME, builtin:corpus.", flags=("--data", "-d"))
    model: str | None = setting(None, OWN_MODEL_HELP, flags=("--model", "-m"))
    share: float = setting(0.1, "Share of examples to flag.", check=between(0, 1))
    limit: int | None = setting(None, "Screen only the first N examples ('none': all).", flags=("--limit", "-n"),
                                check=at_least(1))
    max_new_tokens: int = common.max_new_tokens(64, "Length of the model's own replies.")
    out: str | None = setting(None, "Write one JSON line per example here.", flags=("--out", "-o"))

    def __post_init__(self) -> None:
        check_fields(self)
        if not self.data:
            raise SincereError("give --data, the training data to screen")


@dataclass
class ShowConfig:
    """`sincere vectors show`: a vectors file's provenance and per-layer separation."""

    vectors: str | None = setting(None, VECTORS_HELP, flags=("VECTORS",))

    def __post_init__(self) -> None:
        if not self.vectors:
            raise ConfigError("give the VECTORS file to show")
