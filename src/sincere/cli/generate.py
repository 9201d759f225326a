"""`sincere generate`: answer prompts or chat files with any engine (a smoke test of a model)."""

from __future__ import annotations

from typing import Any

from sincere import generate as generate_mod
from sincere.cli import fields
from sincere.cli.app import app, err, out
from sincere.errors import SincereError
from sincere.settings import load


def run_generate(given: dict[str, Any], extra: dict[str, Any]) -> None:
    """Generate replies with a model, batched and cached; interrupted runs resume."""
    config = load(generate_mod.GenerateConfig, extra["config"], given, flags=True)
    result = generate_mod.run(config)
    err.print(f"{len(result.lines)} replies: {result.fresh} generated, {len(result.lines) - result.fresh} "
              "from the cache")
    if config.out:
        out.print(f"wrote {len(result.lines)} replies to {config.out}")
    else:
        for line in result.lines:
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    if result.skipped:
        raise SincereError(f"INCOMPLETE: {len(result.skipped)} input(s) were skipped (listed above); "
                           "the output holds the replies to the others")


fields.command(app, "generate", generate_mod.GenerateConfig, run_generate, extras=[fields.config_option()],
               doc=run_generate.__doc__)
