"""Options shared by several commands, defined once so their help text cannot drift."""

from __future__ import annotations

import typer

from sincere.engines.base import MAX_NEW_TOKENS, MAX_SEED, check_temperature
from sincere.errors import SincereError

MODEL_HELP = (
    "Model: 'smollm2-135m' (embedded), a Hugging Face id or directory (hf:ID), "
    "or an OpenAI-compatible server (openai:MODEL@http://host:port/v1[,key_env=VAR])."
)


def model(default: str = "smollm2-135m") -> typer.models.OptionInfo:
    return typer.Option(default, "--model", "-m", help=MODEL_HELP)


BATCH_SIZE = typer.Option(None, "--batch-size", min=1, help="Batch size (default: automatic).")
DTYPE = typer.Option("auto", "--dtype", help="auto (bf16 where native, else fp32), bf16, fp16, fp32.")
NO_CACHE = typer.Option(False, "--no-cache", help="Do not read or write the generation cache.")
SEED = typer.Option(0, "--seed", min=0, max=MAX_SEED, help="Seed for sampling and for every random assignment.")


def _temperature(value: float | None) -> float | None:
    try:
        return value if value is None else check_temperature(value)
    except SincereError as exc:
        raise typer.BadParameter(str(exc)) from None


def temperature(default: float = 0.0, help: str = "0 = greedy.") -> typer.models.OptionInfo:
    return typer.Option(default, "--temperature", callback=_temperature, help=help)


TEMPERATURE = temperature()


def max_new_tokens(default: int, help: str = "Longest reply, in tokens.") -> typer.models.OptionInfo:
    return typer.Option(default, "--max-new-tokens", min=1, max=MAX_NEW_TOKENS, help=help)


TOP_P = typer.Option(1.0, "--top-p", min=0.0, max=1.0, help="Nucleus sampling mass.")

WARMTH_HELP = (
    "Warmth measure: tone (a 1-7 rating of the reply's tone; fast), sociot or sociot:MODEL (the study's "
    "SocioT ratio, nats/token; slow on CPU), tone,sociot (both, side by side), or none."
)


def warmth(default: str = "tone") -> typer.models.OptionInfo:
    return typer.Option(default, "--warmth", "--warmth-model", help=WARMTH_HELP)


WARMTH_FRAMES = typer.Option(2, "--warmth-frames", min=1, max=4, help="SocioT: warm and cold frames each.")
