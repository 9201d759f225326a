"""Settings that several commands share (model, seed, generation, warmth), declared once so that
their help text, checks and flag names cannot drift between commands."""

from __future__ import annotations

from typing import Any

from sincere.engines.base import MAX_NEW_TOKENS, check_seed, check_temperature
from sincere.settings import at_least, between, setting

MODEL_HELP = ("Model: 'smollm2-135m' (embedded), a Hugging Face id or directory (hf:ID), or an OpenAI-compatible "
              "server (openai:MODEL@http://host:port/v1[,key_env=VAR,concurrency=N,timeout=S,retries=N]).")
WARMTH_HELP = ("Warmth measure: tone (a 1-7 rating of the reply's tone; fast), sociot or sociot:MODEL (the study's "
               "SocioT ratio, nats/token; slow on CPU), tone,sociot (both, side by side), or none.")
SUITE_HELP = ("Items: quick, builtin, trivia, misconceptions, medical, disinformation, truthfulqa:PATH, jsonl:PATH, "
              "csv:PATH, hf:NAME[:CONFIG][:SPLIT]; comma-separated to combine.")
CONDITIONS_HELP = ("A preset (quick, emotions, study, full) or a list such as "
                   "unmodified,sad+incorrect,unmodified+pushback.")


def model(default: str | None = "smollm2-135m", help: str = MODEL_HELP) -> Any:  # noqa: A002
    return setting(default, help, flags=("--model", "-m"))


def seed() -> Any:
    return setting(0, "Seed for sampling and for every random assignment.", check=check_seed)


def temperature(default: float = 0.0, help: str = "0 = greedy.") -> Any:  # noqa: A002
    return setting(default, help, check=check_temperature)


def max_new_tokens(default: int, help: str = "Longest reply, in tokens.") -> Any:  # noqa: A002
    return setting(default, help, check=between(1, MAX_NEW_TOKENS))


def top_p() -> Any:
    return setting(1.0, "Nucleus sampling mass.", check=between(0, 1))


def dtype() -> Any:
    return setting("auto", "Weights' dtype: auto (bf16 where native, else fp32), bf16, fp16, fp32.")


def batch_size(default: int | None = None) -> Any:
    return setting(default, "Batch size ('none': automatic).", check=at_least(1), identity=False)


def cache() -> Any:
    return setting(True, "Read and write the generation cache (--no-cache: neither).", identity=False)


def warmth(default: str | None = "tone") -> Any:
    return setting(default, WARMTH_HELP, flags=("--warmth", "--warmth-model"))


def warmth_frames() -> Any:
    return setting(2, "SocioT: warm and cold frames each (1-4).", check=between(1, 4))


def limit(help: str = "Use a seeded sample of N items.", low: int = 1) -> Any:  # noqa: A002
    return setting(None, help, flags=("--limit", "-n"), check=at_least(low))
